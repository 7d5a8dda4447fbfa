// `sub`: a − b with n-digit operands, 1 ≤ n ≤ 30; a quarter of the problems swap the operands
// so the answer is negative. Full solutions subtract column by column with borrows,
// then check by adding back.
import Seeds
import Exact

enum SubFamily: FamilyGenerator {
    static let difficulties = 1...30
    static let standardDifficulties = 1...6

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        var a = rng.digits(n, allowZero: true), b = Steps.pad(rng.digits(rng.int(in: 1...n), allowZero: true), to: n)
        if rng.chance(0.25) { swap(&a, &b) }
        let diff = Rational(a)! - Rational(b)!
        return Draft(shape: Steps.shape(a, b), question: "\(a)-\(b)", answer: diff.description)
    }

    /// A column of `Steps.columnSub`: digits and a borrow, the top digit plus ten when borrowing.
    static func drill(rng: inout SeededRandom) -> String? {
        let x = rng.int(in: 0...9), y = rng.int(in: 0...9), b = rng.int(in: 0...1)
        let top = x - y - b < 0 ? x + 10 : x
        return "\(Steps.two(top))-\(y)-\(b)=\(top - y - b)"
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        let (a, b) = try AddFamily.operands(p, "-")
        let negative = Rational(a)! < Rational(b)!
        let d = negative ? Steps.columnSub(b, a).difference : Steps.columnSub(a, b).difference
        return "\(a)-\(b)=\(negative ? "-" + d : d)"
    }

    /// Column subtraction of the smaller from the larger, then the check: the difference plus
    /// the smaller, column by column, must give the larger back.
    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (a, b) = try AddFamily.operands(p, "-")
        let (lines, d, negative) = Steps.writtenDifference(a, b, slip: slip)
        let (big, small) = negative ? (b, a) : (a, b)
        let (backLines, back) = Steps.writtenAdd(d, small)
        return lines + ["so \(negative ? "-" + d : d)"] + backLines
            + [Steps.verdict("\(d)+\(small)=\(back)", result: back, expected: big, checks)]
    }
}
