// `div`: n / d with a one-digit divisor d (2…9), exact. Half the problems have an integer
// quotient; the others a rational answer such as 7465/6 or 49/2. Difficulty n: the dividend has
// n digits. Full solutions divide digit by digit (each step a times-table fact with its
// remainder), reduce a remainder's fraction with one-digit gcd steps, and check by multiplying
// back.
import Seeds
import Exact

enum DivFamily: FamilyGenerator {
    static let difficulties = 1...10
    /// Dividends up to 4 digits.
    static let standardDifficulties = 1...4

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let divisor = rng.int(in: 2...9)
        var dividend = Rational(rng.digits(n, allowZero: true))!
        if rng.chance(0.5) {
            // An exact quotient: the dividend rounded down to a multiple of the divisor, unless
            // that loses a digit.
            let (q, _) = dividend.quotientAndRemainder(dividingBy: Rational(divisor))
            let exact = q * Rational(divisor)
            if exact.description.count == dividend.description.count { dividend = exact }
        }
        let q = dividend / Rational(divisor)
        return Draft(shape: "\(dividend.description.count)x1", question: "\(dividend)/\(divisor)", answer: q.description)
    }

    /// A step of `Steps.longDivision`: a partial dividend below ten times the divisor, its
    /// one-digit quotient and remainder.
    static func drill(rng: inout SeededRandom) -> String? {
        let d = rng.int(in: 2...9), cur = rng.int(in: 0...(10 * d - 1))
        return "\(cur)=\(cur / d)*\(d)+\(cur % d)"
    }

    static func parts(_ p: Problem) throws(SolutionError) -> (String, Int) {
        let (a, b) = try AddFamily.operands(p, "/")
        guard let d = Int(b), (2...9).contains(d) else { throw p.failSolution("worked solutions divide by one digit, 2 to 9") }
        return (a, d)
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        let (a, d) = try parts(p)
        let value = Rational(a)! / Rational(d)
        return value.isInteger ? "\(value)*\(d)=\(Rational(a)!)" : "\(Rational(a)!)/\(d)=\(value)"
    }

    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (a, d) = try parts(p)
        let (work, check, result) = Steps.divide(a, by: d, slip: slip, checks: checks)
        return work + ["so \(result)"] + check
    }
}
