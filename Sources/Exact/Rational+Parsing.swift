// Parsing number literals into Rationals: integers, fractions and decimals, strictly.
import CGMP

// MARK: - Errors

/// Why a text is not a number literal.
public enum NumberLiteralError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case unexpectedCharacter(Character, offset: Int)
    case missingDigits(offset: Int)
    case zeroDenominator

    public var description: String {
        switch self {
        case .empty: return "empty number"
        case let .unexpectedCharacter(c, offset): return "unexpected character \(c.debugDescription) at offset \(offset)"
        case let .missingDigits(offset): return "expected digits at offset \(offset)"
        case .zeroDenominator: return "zero denominator"
        }
    }
}

extension Rational {
    // MARK: - Literals

    /// Parses a number literal: optional `-`, digits, then optionally `/digits` (non-zero) or
    /// `.digits`. No spaces, no `+`, no exponent. `007` is 7, `0.75` is 3/4, `6/8` is 3/4.
    public static func parse<S: StringProtocol>(literal text: S) throws(NumberLiteralError) -> Rational {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        var i = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let intStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        guard i > intStart else { throw Self.unexpected(bytes, at: i) }
        let whole = Array(bytes[intStart..<i])
        var value: Rational
        if i == bytes.count {
            value = fromDigits(whole)
        } else {
            let separator = bytes[i]
            guard separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else {
                throw Self.unexpected(bytes, at: i)
            }
            i += 1
            let fracStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            guard i > fracStart else { throw Self.unexpected(bytes, at: i) }
            guard i == bytes.count else { throw Self.unexpected(bytes, at: i) }
            let tail = Array(bytes[fracStart..<i])
            if separator == UInt8(ascii: "/") {
                let d = fromDigits(tail)
                guard !d.isZero else { throw .zeroDenominator }
                value = fromDigits(whole) / d
            } else {
                value = fromDigits(whole + tail) / powerOfTen(tail.count)
            }
        }
        return negative ? value.negated : value
    }

    /// Parses a literal, or nil when it is not one (see `parse(literal:)`).
    public init?<S: StringProtocol>(_ text: S) {
        guard let v = try? Rational.parse(literal: text) else { return nil }
        self = v
    }

    /// A non-negative integer from ASCII digits (at least one).
    static func fromDigits(_ digits: [UInt8]) -> Rational {
        precondition(!digits.isEmpty)
        return Rational { out in
            var cString = digits
            cString.append(0)
            let z = lab_mpq_numref(out)
            let rc = cString.withUnsafeBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    __gmpz_set_str(z, $0, 10)
                }
            }
            precondition(rc == 0, "digits were validated")
            // The denominator is still 1 from mpq_init, so the value is canonical.
        }
    }

    private static func unexpected(_ bytes: [UInt8], at i: Int) -> NumberLiteralError {
        guard i < bytes.count else { return .missingDigits(offset: i) }
        // Report the character (not the byte) at that offset.
        let prefix = String(decoding: bytes[..<i], as: UTF8.self)
        let rest = String(decoding: bytes[i...], as: UTF8.self)
        return .unexpectedCharacter(rest.first ?? "?", offset: prefix.count)
    }
}

@inline(__always)
func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
