// `add`: a + b with n-digit operands, 1 ≤ n ≤ 30 (difficulty n: the first has n digits, the
// second 1…n, written with leading zeros to n places so every problem of a difficulty has one
// layout: a small model finds a digit by its place, not by counting). Full solutions add column by column with the carry written
// in, then check by subtracting back.
import Seeds
import Exact

enum AddFamily: FamilyGenerator {
    static let difficulties = 1...30
    static let standardDifficulties = 1...6

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let a = rng.digits(n, allowZero: true), b = Steps.pad(rng.digits(rng.int(in: 1...n), allowZero: true), to: n)
        let sum = Rational(a)! + Rational(b)!
        return Draft(shape: Steps.shape(a, b), question: "\(a)+\(b)", answer: sum.description)
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        let (a, b) = try operands(p, "+")
        return "\(a)+\(b)=\(Steps.columnAdd(a, b).sum)"
    }

    /// Column addition, then the check: the sum minus b, column by column, must give a back.
    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (a, b) = try operands(p, "+")
        let (lines, sum) = Steps.writtenAdd(a, b, slip: slip)
        let out = lines + ["so \(sum)"]
        if Rational(sum)! < Rational(b)! {
            // Only after a slip: the sum came out below b, so subtracting back goes negative.
            let (backLines, back) = Steps.writtenSub(b, sum)
            return out + backLines + [Steps.verdict("\(sum)-\(b)=-\(back)", result: "-" + back, expected: a, checks)]
        }
        let (backLines, back) = Steps.writtenSub(sum, b)
        return out + backLines + [Steps.verdict("\(sum)-\(b)=\(back)", result: back, expected: a, checks)]
    }

    /// A column of `Steps.columnAdd`: two digits and a carry.
    static func drill(rng: inout SeededRandom) -> String? {
        let x = rng.int(in: 0...9), y = rng.int(in: 0...9), c = rng.int(in: 0...1)
        return "\(x)+\(y)+\(c)=\(Steps.two(x + y + c))"
    }

    /// The two non-negative integer operands of `a op b`.
    static func operands(_ p: Problem, _ op: Character) throws(SolutionError) -> (String, String) {
        let parts = p.question.split(separator: op, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            throw p.failSolution("expected a question of the form a\(op)b with integers a and b")
        }
        return (String(parts[0]), String(parts[1]))
    }
}
