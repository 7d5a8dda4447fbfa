// `frac`: p/q op r/s with op one of + − × ÷ and a rational answer. Questions read `3/4+5/6`,
// `3/4-5/6`, `3/4*5/6` (all correct under the usual precedence) and `(3/4)/(5/6)`.
// Difficulty n: the numerators have up to n digits; denominators are one digit (2…9), and so is
// a divisor's numerator, so every prime in the answer's denominator is 2, 3, 5 or 7, a factor of
// one of two one-digit numbers, and full solutions reduce by trying those primes with one-digit
// long divisions.
import Seeds
import Exact

enum FracFamily: FamilyGenerator {
    static let difficulties = 1...4
    static let standardDifficulties = 1...2
    static let repairs = false

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let top = Int(Rational.powerOfTen(n).intValue! - 1)
        let op = rng.element(of: Array("+-*/"))
        let p = rng.int(in: 1...top), q = rng.int(in: 2...9)
        let r = op == "/" ? rng.int(in: 1...9) : rng.int(in: 1...top), s = rng.int(in: 2...9)
        let question = op == "/" ? "(\(p)/\(q))/(\(r)/\(s))" : "\(p)/\(q)\(op)\(r)/\(s)"
        let x = Rational(p, q)!, y = Rational(r, s)!
        let value: Rational
        switch op {
        case "+": value = x + y
        case "-": value = x - y
        case "*": value = x * y
        default: value = x / y
        }
        return Draft(shape: "d\(n)", question: question, answer: value.description)
    }

    /// A step of the reduction or the products: a long-division fact or a one-digit product.
    static func drill(rng: inout SeededRandom) -> String? {
        rng.chance(0.5) ? DivFamily.drill(rng: &rng) : MulFamily.drill(rng: &rng)
    }

    /// (p, q, op, r, s) of a question.
    static func parts(_ pr: Problem) throws(SolutionError) -> (Int, Int, Character, Int, Int) {
        let ints = pr.question.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let ops = pr.question.filter { "+-*".contains($0) }
        let op: Character = pr.question.hasPrefix("(") ? "/" : (ops.first ?? "?")
        guard ints.count == 4, "+-*/".contains(op), ints.allSatisfy({ $0 >= 0 && $0 < 1_000_000 }),
              (2...9).contains(ints[1]), (2...9).contains(ints[3]), op != "/" || (1...9).contains(ints[2])
        else { throw pr.failSolution("worked solutions need p/q op r/s with one-digit denominators q, s (and r for ÷)") }
        return (ints[0], ints[1], op, ints[2], ints[3])
    }

    static func brief(_ pr: Problem) throws(SolutionError) -> String {
        let (p, q, op, r, s) = try parts(pr)
        let (num, den) = unreduced(p, q, op, r, s)
        let value = Rational(num) / Rational(den)
        let lhs = op == "/" ? "(\(p)/\(q))/(\(r)/\(s))" : "\(p)/\(q)\(op)\(r)/\(s)"
        let written = "\(num)/\(den)"
        return value.description == written ? "\(lhs)=\(value)" : "\(lhs)=\(written)=\(value)"
    }

    /// Numerator and denominator before reducing.
    static func unreduced(_ p: Int, _ q: Int, _ op: Character, _ r: Int, _ s: Int) -> (Int, Int) {
        switch op {
        case "+": return (p * s + r * q, q * s)
        case "-": return (p * s - r * q, q * s)
        case "*": return (p * r, q * s)
        default: return (p * s, q * r)
        }
    }

    static func full(_ pr: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (p, q, op, r, s) = try parts(pr)
        var lines: [String] = []
        func product(_ x: Int, _ y: Int) -> String {
            // The longer number times the shorter: fewer rows to add.
            let (l, v) = x >= y ? Steps.multiply(String(x), String(y)) : Steps.multiply(String(y), String(x))
            lines += l
            lines.append("row \(v)")
            return v
        }
        var num: String, negative = false
        let den = product(q, op == "/" ? r : s)
        switch op {
        case "+", "-":
            let a = product(p, s), b = product(r, q)
            let l: [String]
            if op == "+" { (l, num) = Steps.writtenAdd(a, b) } else { (l, num, negative) = Steps.writtenDifference(a, b) }
            lines += l
        case "*":
            num = product(p, r)
        default:
            num = product(p, s)
        }
        let sign = negative && num != "0" ? "-" : ""
        lines.append("get \(sign)\(num)/\(den)")
        if num == "0" {
            lines.append("so 0")
            return lines
        }
        // The denominator is a product of two one-digit numbers, so its primes are theirs: try
        // each on the denominator first (it is short), then on the numerator.
        var d = den
        let factors = [q, op == "/" ? r : s]
        for prime in [2, 3, 5, 7] where factors.contains(where: { $0 % prime == 0 }) {
            while Int(d)! >= prime {
                let (dl, dq, dr) = Steps.longDivision(d, by: prime)
                lines.append("try \(prime)")
                lines += dl
                guard dr == 0 else { break }
                let (nl, nq, nr) = Steps.longDivision(num, by: prime)
                lines += nl
                guard nr == 0 else { break }
                num = nq
                d = dq
                lines.append("get \(sign)\(num)/\(d)")
            }
        }
        let value = Rational(sign + num)! / Rational(d)!
        lines.append("so \(value)")
        return lines
    }
}
