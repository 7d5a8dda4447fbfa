// `linear`: solve a·x + b = c for x, integer coefficients, rational answer. Questions read
// `3x+5=20`, `-7x-12=4`. Difficulty n: b and c have up to n digits; a is one digit (±2…9), so
// full solutions move b across digit by digit and then divide by one digit, as `div` does, with
// its check by multiplying back. Half the problems have an integer solution.
import Seeds
import Exact

enum LinearFamily: FamilyGenerator {
    static let difficulties = 1...4
    static let standardDifficulties = 1...2

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let top = Int(Rational.powerOfTen(n).intValue! - 1)
        var a = rng.int(in: 2...9)
        if rng.chance(0.3) { a = -a }
        var b = rng.int(in: 1...top)
        if rng.chance(0.5) { b = -b }
        let c: Int
        if rng.chance(0.5) {
            let x = rng.int(in: -top...top)
            c = a * x + b
        } else {
            c = rng.int(in: -top...top)
        }
        let x = Rational(c - b, a)!
        return Draft(shape: "d\(n)", question: "\(a)x\(b < 0 ? "-" : "+")\(abs(b))=\(c)", answer: x.description)
    }

    /// A step of the division by a: a long-division fact.
    static func drill(rng: inout SeededRandom) -> String? { DivFamily.drill(rng: &rng) }

    /// (a, b, c) of `ax+b=c`.
    static func coefficients(_ p: Problem) throws(SolutionError) -> (Int, Int, Int) {
        let q = p.question
        guard let xi = q.firstIndex(of: "x"), let ei = q.firstIndex(of: "="), xi < ei,
              let a = Int(q[..<xi]), let b = Int(q[q.index(after: xi)..<ei].replacingOccurrences(of: "+", with: "")),
              let c = Int(q[q.index(after: ei)...]), (2...9).contains(abs(a)), abs(b) < 1_000_000_000, abs(c) < 1_000_000_000
        else { throw p.failSolution("worked solutions need ax+b=c with a one-digit a (±2…9) and integers b, c") }
        return (a, b, c)
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        let (a, b, c) = try coefficients(p)
        let moved = b < 0 ? "\(c)+\(-b)" : "\(c)-\(b)"
        return "x=(\(moved))/\(Steps.operand(Rational(a)))=\(Rational(c - b, a)!)"
    }

    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (a, b, c) = try coefficients(p)
        // c − b as a signed sum of magnitudes: add when the signs agree, else subtract the smaller.
        let moved = b < 0 ? "\(c)+\(-b)" : "\(c)-\(b)"
        var lines = ["\(a)x=\(moved)"]
        let (x, y) = (c, -b)
        let (mx, my) = (String(abs(x)), String(abs(y)))
        var magnitude: String, negative: Bool
        if (x >= 0) == (y >= 0) || x == 0 {
            let (l, v) = Steps.writtenAdd(mx, my)
            lines += l
            magnitude = v
            negative = x < 0 || (x == 0 && y < 0)
        } else {
            let yBigger = abs(y) > abs(x)
            let (l, v) = yBigger ? Steps.writtenSub(my, mx) : Steps.writtenSub(mx, my)
            lines += l
            magnitude = v
            negative = yBigger ? y < 0 : x < 0
        }
        if magnitude == "0" { negative = false }
        lines.append("so \(a)x=\(negative ? "-" : "")\(magnitude)")
        // x = ±magnitude / |a|: divide by one digit, the sign from both. The check multiplies the
        // division back, so a repair's slip goes there.
        let (work, check, result) = Steps.divide(magnitude, by: abs(a), slip: slip, checks: checks)
        lines += work
        let sign = (negative != (a < 0)) && magnitude != "0" ? "-" : ""
        lines.append("x=\(sign)\(result)")
        lines += check
        return lines
    }
}
