// `div`: a / b, exact. Half the problems have an integer quotient (solved by long division),
// half a rational answer such as 84/36 → 7/3 (solved by reducing with Euclid's algorithm).
// Difficulty n: the dividend (or the quotient, for integer ones) has n digits, the divisor 1…n.
import Seeds
import Exact

enum DivFamily: FamilyGenerator {
    static let difficulties = 1...10
    static let standardDifficulties = 1...3

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        var divisor = Rational(rng.digits(rng.int(in: 1...n)))!
        if divisor == 1 { divisor = Rational(rng.int(in: 2...9)) }
        let dividend: Rational
        if rng.chance(0.5) {
            dividend = Rational(rng.digits(n))! * divisor
        } else {
            dividend = Rational(rng.digits(n, allowZero: true))!
        }
        let q = dividend / divisor
        return Draft(shape: "\(dividend.description.count)x\(divisor.description.count)",
                     question: "\(dividend)/\(divisor)", answer: q.description)
    }

    static func think(_ p: Problem, style: SolutionStyle) throws(SolutionError) -> String {
        let (a, b) = try AddFamily.operands(p, "/")
        let n = Rational(a)!, d = Rational(b)!
        guard !d.isZero else { throw p.failSolution("division by zero") }
        let value = n / d
        if value.isInteger {
            if style == .brief { return "\(value)*\(d)=\(n)" }
            let (lines, q, _) = Steps.longDivision(a, by: d)
            return (lines + ["so \(q)", "check \(q)*\(d)=\(n)"]).joined(separator: "\n")
        }
        let (lines, reduced) = Steps.reduce(n, d)
        if style == .brief { return "\(n)/\(d)=\(reduced)" }
        return (lines + ["so \(reduced)", "check \(reduced)*\(d)=\(n)"]).joined(separator: "\n")
    }
}
