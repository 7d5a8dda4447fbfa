// `mul`: a × b. Difficulty climbs a ladder of shapes, each a-digit by b-digit with b ≤ a: 1 is
// 1×1, 2 is 2×1, 3 is 2×2, 4 is 3×1, 5 is 3×2, 6 is 3×3, … up to 20×20 (difficulty 210). Full
// solutions write every one-digit product with its carry, each partial product, their running
// sum added column by column, and a check by casting out nines.
import Seeds
import Exact

enum MulFamily: FamilyGenerator {
    static let difficulties = 1...210
    /// Up to 3 × 2 digits.
    static let standardDifficulties = 1...5

    /// The operands' digit counts (a, b) of a difficulty on the ladder.
    static func shape(of difficulty: Int) -> (Int, Int) {
        var d = difficulty, a = 1
        while d > a { d -= a; a += 1 }
        return (a, d)
    }

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        let (da, db) = shape(of: n)
        let a = rng.digits(da, allowZero: true), b = rng.digits(db, allowZero: true)
        let product = Rational(a)! * Rational(b)!
        return Draft(shape: "\(da)x\(db)", question: "\(a)*\(b)", answer: product.description)
    }

    /// A step of `Steps.digitProduct`: digit × digit plus a carry that can occur (at most d − 1).
    static func drill(rng: inout SeededRandom) -> String? {
        let d = rng.int(in: 0...9), x = rng.int(in: 0...9), c = rng.int(in: 0...max(0, d - 1))
        return "\(d)*\(x)+\(c)=\(Steps.two(d * x + c))"
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        let (a, b) = try AddFamily.operands(p, "*")
        var out: [String] = []
        var sum = Rational.zero
        for (place, digit) in Steps.digitsLE(b).enumerated() {
            let factor = Rational(digit) * Rational.powerOfTen(place)
            let partial = Rational(a)! * factor
            out.append("\(a)*\(factor)=\(partial)")
            if place > 0 { out.append("\(sum)+\(partial)=\(sum + partial)") }
            sum = sum + partial
        }
        return out.joined(separator: "\n")
    }

    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        let (a, b) = try AddFamily.operands(p, "*")
        let (lines, product) = Steps.multiply(a, b, slip: slip)
        var out = ["\(a)*\(b)"] + lines
        out.append("so \(product)")
        // Casting out nines: the digit sums of a and b multiplied must match the product's.
        let (ra, rb, rp) = (Steps.digitRoot(a), Steps.digitRoot(b), Steps.digitRoot(product))
        out += ra.lines + rb.lines
        let both = ra.root * rb.root
        out.append("\(ra.root)*\(rb.root)=\(both)")
        let rboth = Steps.digitRoot(String(both))
        out += rboth.lines + rp.lines
        out.append(Steps.verdict("nines \(rboth.root) vs \(rp.root)", rboth.root == rp.root))
        return out
    }
}
