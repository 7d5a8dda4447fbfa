// Shared pieces of worked solutions: column addition and subtraction, one-digit products,
// long division and fraction reduction, each written as true claims `x op y = z`.
import Exact

enum Steps {
    /// Decimal digits of a non-negative integer string, least significant first.
    static func digitsLE(_ s: String) -> [Int] {
        s.utf8.reversed().map { Int($0) - 48 }
    }

    static func string(fromLE digits: [Int]) -> String {
        var d = digits
        while d.count > 1, d.last == 0 { d.removeLast() }
        return String(d.reversed().map { Character(String($0)) })
    }

    /// `3x2`: the operands' widths without leading zeros (one digit for zero).
    static func shape(_ a: String, _ b: String) -> String {
        func width(_ s: String) -> Int { max(1, s.drop { $0 == "0" }.count) }
        return "\(width(a))x\(width(b))"
    }

    static func pad(_ s: String, to width: Int) -> String {
        String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// A one-digit step's numbers are written two digits wide (`8+0+1=09`, `03-1-0=2`,
    /// `2*3+0=06`) so every step line has one width and a small model finds the carry, the
    /// result digit and the next line by their places.
    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Column addition of two non-negative integers: lines `x+y+c=ss`, units first.
    static func columnAdd(_ a: String, _ b: String, slip: Slip? = nil) -> (lines: [String], sum: String) {
        let w = max(a.count, b.count)
        let x = digitsLE(pad(a, to: w)), y = digitsLE(pad(b, to: w))
        var carry = 0, out: [Int] = [], lines: [String] = []
        for i in 0..<w {
            let s = slip?.apply(x[i] + y[i] + carry, in: 0...19) ?? x[i] + y[i] + carry
            lines.append("\(x[i])+\(y[i])+\(carry)=\(two(s))")
            out.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { out.append(carry) }
        return (lines, string(fromLE: out))
    }

    /// Column subtraction a − b with a ≥ b ≥ 0: lines `0x-y-c=d`, or `1x-y-c=d` when borrowing.
    static func columnSub(_ a: String, _ b: String, slip: Slip? = nil) -> (lines: [String], difference: String) {
        let w = max(a.count, b.count)
        let x = digitsLE(pad(a, to: w)), y = digitsLE(pad(b, to: w))
        var borrow = 0, out: [Int] = [], lines: [String] = []
        for i in 0..<w {
            var top = x[i]
            let next = top - y[i] - borrow < 0 ? 1 : 0
            if next == 1 { top += 10 }
            let d = slip?.apply(top - y[i] - borrow, in: 0...9) ?? top - y[i] - borrow
            lines.append("\(two(top))-\(y[i])-\(borrow)=\(d)")
            out.append(d)
            borrow = next
        }
        precondition(borrow == 0, "columnSub needs a >= b")
        return (lines, string(fromLE: out))
    }

    /// `columnAdd` as a solution writes it: first the layout line, both numbers zero-padded to one
    /// width (`02776+17350`), then the columns.
    static func writtenAdd(_ a: String, _ b: String, slip: Slip? = nil) -> (lines: [String], sum: String) {
        let w = max(a.count, b.count)
        let (lines, sum) = columnAdd(a, b, slip: slip)
        return ([pad(a, to: w) + "+" + pad(b, to: w)] + lines, sum)
    }

    /// `columnSub` as a solution writes it: the layout line `big-small`, zero-padded to one width,
    /// then the columns.
    static func writtenSub(_ big: String, _ small: String, slip: Slip? = nil) -> (lines: [String], difference: String) {
        let w = max(big.count, small.count)
        let (lines, d) = columnSub(big, small, slip: slip)
        return ([pad(big, to: w) + "-" + pad(small, to: w)] + lines, d)
    }

    /// a − b for non-negative a and b, written: when b is larger, first `a-b=-(b-a)`, then the
    /// larger minus the smaller. Returns the lines, the difference's magnitude and its sign.
    static func writtenDifference(_ a: String, _ b: String, slip: Slip? = nil) -> (lines: [String], magnitude: String, negative: Bool) {
        let negative = Rational(a)! < Rational(b)!
        let (big, small) = negative ? (b, a) : (a, b)
        let (lines, d) = writtenSub(big, small, slip: slip)
        return ((negative ? ["\(a)-\(b)=-(\(b)-\(a))"] : []) + lines, d, negative)
    }

    /// a × one digit (+ a carry into the units, as a division check adds its remainder): lines
    /// `d*x+c=ss`, units first.
    static func digitProduct(_ a: String, _ digit: Int, carryIn: Int = 0, slip: Slip? = nil) -> (lines: [String], product: String) {
        var carry = carryIn, out: [Int] = [], lines: [String] = []
        for x in digitsLE(a) {
            let s = slip?.apply(digit * x + carry, in: 0...99) ?? digit * x + carry
            lines.append("\(digit)*\(x)+\(carry)=\(two(s))")
            out.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { out.append(contentsOf: digitsLE(String(carry))) }
        return (lines, string(fromLE: out))
    }

    /// a × b digit by digit: each digit of b times a (`digitProduct`), its row shifted into place
    /// (`row 17350`), and the running sum of the rows added column by column.
    static func multiply(_ a: String, _ b: String, slip: Slip? = nil) -> (lines: [String], product: String) {
        var out: [String] = []
        var sum: String?
        for (place, digit) in digitsLE(b).enumerated() {
            let (lines, product) = digitProduct(a, digit, slip: slip)
            out += lines
            let row = product == "0" ? "0" : product + String(repeating: "0", count: place)
            guard let s = sum else {
                sum = row
                if b.count > 1 { out.append("row \(row)") }
                continue
            }
            out.append("row \(row)")
            let (addLines, total) = writtenAdd(s, row, slip: slip)
            out += addLines
            sum = total
        }
        return (out, sum!)
    }

    /// Long division of a non-negative integer by a one-digit divisor: lines `n=q*d+r` (each a
    /// times-table fact with its remainder) from the first partial dividend that reaches d.
    static func longDivision(_ a: String, by d: Int, slip: Slip? = nil) -> (lines: [String], quotient: String, remainder: Int) {
        precondition((2...9).contains(d))
        var lines: [String] = []
        var remainder = 0, quotient: [Int] = []
        var started = false
        for ch in a.utf8 {
            let cur = remainder * 10 + Int(ch) - 48
            let q = cur / d
            let r = slip != nil && (started || q > 0) ? slip!.apply(cur % d, in: 0...(d - 1)) : cur % d
            if started || q > 0 {
                started = true
                lines.append("\(cur)=\(q)*\(d)+\(r)")
            }
            quotient.append(q)
            remainder = r
        }
        if !started {
            // The whole number is below d: quotient 0, remainder the number.
            remainder = slip?.apply(remainder, in: 0...(d - 1)) ?? remainder
            lines.append("\(Int(a)!)=0*\(d)+\(remainder)")
        }
        return (lines, string(fromLE: quotient.reversed()), remainder)
    }

    /// Euclid's algorithm on two one-digit numbers x > y > 0: lines `x=q*y+r`, then `gcd g`.
    static func smallGCD(_ x: Int, _ y: Int) -> (lines: [String], gcd: Int) {
        var (x, y) = (x, y), lines: [String] = []
        while y > 0 {
            lines.append("\(x)=\(x / y)*\(y)+\(x % y)")
            (x, y) = (y, x % y)
        }
        lines.append("gcd \(x)")
        return (lines, x)
    }

    /// n / d for a non-negative integer n and a one-digit d: long division, then, when it does
    /// not go exactly, the remainder's gcd with d and the division of both by it; then a check
    /// that multiplies back (`q*d+r`, digit by digit with the remainder as the first carry).
    /// Returns the work's lines, the check's (its verdict line last, in `checks`' form) and the
    /// result as written (`1244`, `7465/6`). A slip goes into the first long division.
    static func divide(_ n: String, by d: Int, slip: Slip? = nil, checks: CheckForm = .claim) -> (work: [String], check: [String], result: String) {
        var (lines, q, r) = longDivision(n, by: d, slip: slip)
        let number = string(fromLE: digitsLE(n))
        let result: String
        if r == 0 {
            result = q
        } else {
            let (gLines, g) = smallGCD(d, r)
            lines += gLines
            if g == 1 {
                result = "\(number)/\(d)"
            } else {
                let (nLines, nq, _) = longDivision(number, by: g)
                lines += nLines
                lines.append("\(d)=\(d / g)*\(g)+0")
                result = "\(nq)/\(d / g)"
            }
        }
        var (check, back) = digitProduct(q, d, carryIn: r)
        check.append(verdict("\(q)*\(d)" + (r > 0 ? "+\(r)" : "") + "=\(back)", result: back, expected: number, checks))
        return (lines, check, result)
    }

    /// Digit sums down to one digit (casting out nines): lines `3+4+7=14`, `1+4=5`.
    static func digitRoot(_ n: String) -> (lines: [String], root: Int) {
        var s = string(fromLE: digitsLE(n)), lines: [String] = []
        while s.count > 1 {
            let digits = s.utf8.map { Int($0) - 48 }
            let total = digits.reduce(0, +)
            lines.append(digits.map(String.init).joined(separator: "+") + "=\(total)")
            s = String(total)
        }
        return (lines, Int(s)!)
    }

    /// The check line: `check CLAIM ok` when the check came out as it should, `check CLAIM wrong`.
    static func verdict(_ claim: String, _ ok: Bool) -> String {
        "\(Reasoning.check) \(claim) " + (ok ? Reasoning.pass : Reasoning.fail)
    }

    /// The check line of a claim whose result must equal `expected` (a non-negative integer as
    /// the question writes it): in the `compared` form `check CLAIM vs EXPECTED ok` (`expected`
    /// without leading zeros), else `check CLAIM ok`. The verdict is whether `result` equals it.
    static func verdict(_ claim: String, result: String, expected: String, _ form: CheckForm) -> String {
        let want = string(fromLE: digitsLE(expected))
        let ok = Rational(result) == Rational(want)
        return verdict(form == .compared ? "\(claim) \(Reasoning.versus) \(want)" : claim, ok)
    }

    /// `r` as an operand inside a claim: fractions and negatives in parentheses.
    static func operand(_ r: Rational) -> String {
        r.isInteger && r.signum >= 0 ? r.description : "(\(r))"
    }
}
