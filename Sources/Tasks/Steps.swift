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
    static func columnAdd(_ a: String, _ b: String) -> (lines: [String], sum: String) {
        let w = max(a.count, b.count)
        let x = digitsLE(pad(a, to: w)), y = digitsLE(pad(b, to: w))
        var carry = 0, out: [Int] = [], lines: [String] = []
        for i in 0..<w {
            let s = x[i] + y[i] + carry
            lines.append("\(x[i])+\(y[i])+\(carry)=\(two(s))")
            out.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { out.append(carry) }
        return (lines, string(fromLE: out))
    }

    /// Column subtraction a − b with a ≥ b ≥ 0: lines `0x-y-c=d`, or `1x-y-c=d` when borrowing.
    static func columnSub(_ a: String, _ b: String) -> (lines: [String], difference: String) {
        let w = max(a.count, b.count)
        let x = digitsLE(pad(a, to: w)), y = digitsLE(pad(b, to: w))
        var borrow = 0, out: [Int] = [], lines: [String] = []
        for i in 0..<w {
            var top = x[i]
            let next = top - y[i] - borrow < 0 ? 1 : 0
            if next == 1 { top += 10 }
            let d = top - y[i] - borrow
            lines.append("\(two(top))-\(y[i])-\(borrow)=\(d)")
            out.append(d)
            borrow = next
        }
        precondition(borrow == 0, "columnSub needs a >= b")
        return (lines, string(fromLE: out))
    }

    /// a × one digit: lines `d*x+c=ss`, units first.
    static func digitProduct(_ a: String, _ digit: Int) -> (lines: [String], product: String) {
        var carry = 0, out: [Int] = [], lines: [String] = []
        for x in digitsLE(a) {
            let s = digit * x + carry
            lines.append("\(digit)*\(x)+\(carry)=\(two(s))")
            out.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { out.append(contentsOf: digitsLE(String(carry))) }
        return (lines, string(fromLE: out))
    }

    /// Long division of a non-negative integer by a positive one: lines `n=q*d+r` for each
    /// step after the leading digits reach the divisor.
    static func longDivision(_ a: String, by d: Rational) -> (lines: [String], quotient: Rational, remainder: Rational) {
        var lines: [String] = []
        var remainder = Rational.zero, quotient = Rational.zero
        var started = false
        for ch in a.utf8 {
            let cur = remainder * 10 + Rational(Int(ch) - 48)
            let (q, r) = cur.quotientAndRemainder(dividingBy: d)
            if started || !q.isZero {
                started = true
                lines.append("\(cur)=\(q)*\(d)+\(r)")
            }
            quotient = quotient * 10 + q
            remainder = r
        }
        if !started { lines.append("\(a)=0*\(d)+\(a)") }
        return (lines, quotient, remainder)
    }

    /// Reduces n/d (d > 0) with Euclid's algorithm on |n| and d: lines `x=q*y+r`, `gcd g`,
    /// then `|n|/g=…` and `d/g=…`. Returns the lines and the reduced value.
    static func reduce(_ n: Rational, _ d: Rational) -> (lines: [String], value: Rational) {
        precondition(n.isInteger && d.isInteger && d.signum > 0)
        let value = n / d
        if n.isZero { return (["0/\(d)=0"], value) }
        let m = n.magnitude
        var (x, y) = m < d ? (d, m) : (m, d)
        var lines: [String] = []
        while !y.isZero {
            let (q, r) = x.quotientAndRemainder(dividingBy: y)
            lines.append("\(x)=\(q)*\(y)+\(r)")
            (x, y) = (y, r)
        }
        lines.append("gcd \(x)")
        if x != 1 {
            lines.append("\(m)/\(x)=\(m / x)")
            lines.append("\(d)/\(x)=\(d / x)")
        }
        return (lines, value)
    }

    /// `r` as an operand inside a claim: fractions and negatives in parentheses.
    static func operand(_ r: Rational) -> String {
        r.isInteger && r.signum >= 0 ? r.description : "(\(r))"
    }
}
