// `frac`: p/q op r/s with op one of + − × ÷ and a rational answer. Questions read `3/4+5/6`,
// `3/4-5/6`, `3/4*5/6` (all correct under the usual precedence) and `(3/4)/(5/6)`.
// Difficulty n: numerators and denominators have up to n digits.
import Seeds
import Exact

enum FracFamily: FamilyGenerator {
    static let difficulties = 1...4
    static let standardDifficulties = 1...2

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let top = Int(Rational.powerOfTen(n).intValue! - 1)
        let p = rng.int(in: 1...top), q = rng.int(in: 2...max(2, top))
        let r = rng.int(in: 1...top), s = rng.int(in: 2...max(2, top))
        let op = rng.element(of: Array("+-*/"))
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

    /// (p, q, op, r, s) of a question.
    static func parts(_ pr: Problem) throws(SolutionError) -> (Int, Int, Character, Int, Int) {
        let ints = pr.question.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let ops = pr.question.filter { "+-*".contains($0) }
        let op: Character = pr.question.hasPrefix("(") ? "/" : (ops.first ?? "?")
        guard ints.count == 4, "+-*/".contains(op), ints[1] != 0, ints[3] != 0, ints[2] != 0 || op != "/" else {
            throw pr.failSolution("expected p/q op r/s")
        }
        return (ints[0], ints[1], op, ints[2], ints[3])
    }

    static func think(_ pr: Problem, style: SolutionStyle) throws(SolutionError) -> String {
        let (p, q, op, r, s) = try parts(pr)
        let num: Rational, den: Rational
        var lines: [String]
        switch op {
        case "+", "-":
            let a = Rational(p * s), b = Rational(r * q)
            num = op == "+" ? a + b : a - b
            den = Rational(q * s)
            lines = ["\(p)*\(s)=\(a)", "\(r)*\(q)=\(b)", "\(a)\(op)\(b)=\(num)", "\(q)*\(s)=\(den)"]
        case "*":
            num = Rational(p * r); den = Rational(q * s)
            lines = ["\(p)*\(r)=\(num)", "\(q)*\(s)=\(den)"]
        default:
            num = Rational(p * s); den = Rational(q * r)
            lines = ["\(p)*\(s)=\(num)", "\(q)*\(r)=\(den)"]
        }
        let (reduceLines, value) = Steps.reduce(num, den)
        let unreduced = "\(num)/\(den)"
        if style == .brief {
            let lhs = op == "/" ? "(\(p)/\(q))/(\(r)/\(s))" : "\(p)/\(q)\(op)\(r)/\(s)"
            return value.description == unreduced ? "\(lhs)=\(value)" : "\(lhs)=\(unreduced)=\(value)"
        }
        lines.append(unreduced)
        lines += reduceLines
        lines.append("so \(value)")
        let inverse: String
        switch op {
        case "+": inverse = "\(value)-\(r)/\(s)"
        case "-": inverse = "\(value)+\(r)/\(s)"
        case "*": inverse = "\(Steps.operand(value))/(\(r)/\(s))"
        default: inverse = "\(Steps.operand(value))*\(r)/\(s)"
        }
        lines.append("check \(inverse)=\(p)/\(q)")
        return lines.joined(separator: "\n")
    }
}
