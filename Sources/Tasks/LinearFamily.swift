// `linear`: solve a·x + b = c for x, integer coefficients, rational answer. Questions read
// `3x+5=20`, `-12x-7=4`. Difficulty n: coefficients have up to n digits; half the problems
// have an integer solution.
import Seeds
import Exact

enum LinearFamily: FamilyGenerator {
    static let difficulties = 1...4
    static let standardDifficulties = 1...2

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let top = Int(Rational.powerOfTen(n).intValue! - 1)
        var a = rng.int(in: 2...max(2, top))
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

    /// (a, b, c) of `ax+b=c`.
    static func coefficients(_ p: Problem) throws(SolutionError) -> (Int, Int, Int) {
        let q = p.question
        guard let xi = q.firstIndex(of: "x"), let ei = q.firstIndex(of: "="), xi < ei,
              let a = Int(q[..<xi]), let b = Int(q[q.index(after: xi)..<ei].replacingOccurrences(of: "+", with: "")),
              let c = Int(q[q.index(after: ei)...]), a != 0
        else { throw p.failSolution("expected ax+b=c with integers a ≠ 0, b, c") }
        return (a, b, c)
    }

    static func think(_ p: Problem, style: SolutionStyle) throws(SolutionError) -> String {
        let (a, b, c) = try coefficients(p)
        let rhs = Rational(c - b)
        let x = rhs / Rational(a)
        let moved = b < 0 ? "\(c)+\(-b)" : "\(c)-\(b)"
        if style == .brief {
            let unreduced = "(\(moved))/\(Steps.operand(Rational(a)))"
            return "x=\(unreduced)=\(x)"
        }
        var lines = ["\(a)x=\(moved)=\(rhs)"]
        // Divide by |a| and carry the sign: x = ±|rhs|/|a|.
        let negative = (rhs.signum < 0) != (a < 0)
        let sign = negative && !rhs.isZero ? "-" : ""
        lines.append("x=\(sign)\(rhs.magnitude)/\(abs(a))")
        let (reduceLines, _) = Steps.reduce(rhs.magnitude, Rational(abs(a)))
        lines += reduceLines
        lines.append("x=\(x)")
        lines.append("check \(a)*\(Steps.operand(x))\(b < 0 ? "-" : "+")\(abs(b))=\(c)")
        return lines.joined(separator: "\n")
    }
}
