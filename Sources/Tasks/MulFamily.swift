// `mul`: a × b, a-digit by b-digit up to 20 × 20 (difficulty n: the first has n digits, the
// second 1…n, zero-padded to n places as in `add`). Full solutions write every one-digit product with its carry, each partial
// product, their running sum added column by column, and a check by division.
import Seeds
import Exact

enum MulFamily: FamilyGenerator {
    static let difficulties = 1...20
    static let standardDifficulties = 2...2

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let a = rng.digits(n, allowZero: true), b = Steps.pad(rng.digits(rng.int(in: 1...n), allowZero: true), to: n)
        let product = Rational(a)! * Rational(b)!
        return Draft(shape: Steps.shape(a, b), question: "\(a)*\(b)", answer: product.description)
    }

    /// A step of `Steps.digitProduct`: digit × digit plus a carry that can occur (at most d − 1).
    static func drill(rng: inout SeededRandom) -> String? {
        let d = rng.int(in: 0...9), x = rng.int(in: 0...9), c = rng.int(in: 0...max(0, d - 1))
        return "\(d)*\(x)+\(c)=\(Steps.two(d * x + c))"
    }

    static func think(_ p: Problem, style: SolutionStyle) throws(SolutionError) -> String {
        let (a, b) = try AddFamily.operands(p, "*")
        var out: [String] = []
        var partials: [Rational] = []
        for (place, digit) in Steps.digitsLE(b).enumerated() {
            let (lines, product) = Steps.digitProduct(a, digit)
            let shifted = Rational(product)! * Rational.powerOfTen(place)
            let factor = Rational(digit) * Rational.powerOfTen(place)
            if style == .full { out += lines }
            out.append("\(a)*\(factor)=\(shifted)")
            partials.append(shifted)
        }
        var sum = partials[0]
        for partial in partials.dropFirst() {
            if style == .full {
                // The running sum is added column by column, as in `add`.
                let (x, y) = (sum.description, partial.description)
                let w = max(x.count, y.count)
                out.append(Steps.pad(x, to: w) + "+" + Steps.pad(y, to: w))
                out += Steps.columnAdd(x, y).lines
            }
            out.append("\(sum)+\(partial)=\(sum + partial)")
            sum = sum + partial
        }
        if style == .full {
            out.append("so \(sum)")
            let b0 = Rational(b)!
            out.append(b0.isZero ? "check \(b)*\(a)=\(sum)" : "check \(sum)/\(b0)=\(Rational(a)!)")
        }
        return out.joined(separator: "\n")
    }
}
