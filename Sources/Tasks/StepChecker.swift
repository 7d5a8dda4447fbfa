// The step checker: finds the arithmetic claims `x op y = z` (and chains `a op b = c op d = e`)
// in reasoning text and checks each one exactly.
import Exact

/// One arithmetic claim found in a text.
public struct Claim: Sendable, Equatable {
    /// The claim as written, e.g. `347*8=2776`.
    public var text: String
    /// Byte offsets of the claim in the UTF-8 of the text that was checked.
    public var utf8Range: Range<Int>
    /// True when every `=`-separated part has the same exact value.
    public var isTrue: Bool
}

/// Counts of claims checked and true.
public struct StepSummary: Sendable, Equatable {
    public var checked: Int
    public var correct: Int
    public init(checked: Int = 0, correct: Int = 0) { self.checked = checked; self.correct = correct }
    /// Fraction of claims that are true; nil when there are none.
    public var accuracy: Double? { checked == 0 ? nil : Double(correct) / Double(checked) }
}

public enum StepChecker {
    /// Claims past this many in one text are not read (it bounds the work on any input).
    public static let maxClaims = 512
    /// A longer run of claim characters is not read as a claim (the parser's own bound).
    public static let maxClaimLength = 256

    /// A claim is a maximal run of `0-9 + - * / ( ) . =` (no spaces) that, once a leading or
    /// trailing `=` and trailing `.` are dropped, splits at `=` into two or more parts that all
    /// parse, at least one of them with a binary operator. So `3x=20-5=15` yields the claim
    /// `20-5=15`, while `c1`, `x=5` and `+5=20` are not claims. A part that divides by zero
    /// makes the claim false. Runs over `maxClaimLength` bytes are passed over.
    public static func claims(in text: String) -> [Claim] {
        var out: [Claim] = []
        let bytes = Array(text.utf8)
        var i = 0
        let parser = ExpressionParser()
        while i < bytes.count, out.count < maxClaims {
            guard isClaimByte(bytes[i]) else { i += 1; continue }
            let start = i
            while i < bytes.count, isClaimByte(bytes[i]) { i += 1 }
            var lo = start, hi = i
            while hi > lo, bytes[hi - 1] == UInt8(ascii: ".") || bytes[hi - 1] == UInt8(ascii: "=") { hi -= 1 }
            while lo < hi, bytes[lo] == UInt8(ascii: "=") { lo += 1 }
            guard hi - lo >= 3, hi - lo <= maxClaimLength, bytes[lo..<hi].contains(UInt8(ascii: "=")) else { continue }
            let run = bytes[lo..<hi]
            let parts = run.split(separator: UInt8(ascii: "="), omittingEmptySubsequences: false)
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else { continue }
            var values: [Rational?] = []
            var parsed = true, hasOperator = false
            for part in parts {
                guard let e = try? parser.parse(String(decoding: part, as: UTF8.self)) else { parsed = false; break }
                if e.operatorCount > 0 { hasOperator = true }
                values.append(try? e.evaluate())
            }
            guard parsed, hasOperator else { continue }
            let first = values[0]
            let isTrue = first != nil && values.allSatisfy { $0 == first }
            out.append(Claim(text: String(decoding: run, as: UTF8.self), utf8Range: lo..<hi, isTrue: isTrue))
        }
        return out
    }

    public static func summary(of text: String) -> StepSummary {
        let cs = claims(in: text)
        return StepSummary(checked: cs.count, correct: cs.filter(\.isTrue).count)
    }

    @inline(__always)
    static func isClaimByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"),
             UInt8(ascii: "/"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
