// A small JSON value with a deterministic writer: the same value always prints the same bytes.
import Foundation

public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// An integer above `Int.max` (seeds are UInt64); smaller ones are `.int`, so each number
    /// has one representation. Make one with `unsigned(_:)`.
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// A UInt64 as JSON: `.int` when it fits, `.uint` above `Int.max`; never truncated or wrapped.
    public static func unsigned(_ x: UInt64) -> JSONValue { x <= UInt64(Int.max) ? .int(Int(x)) : .uint(x) }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    /// A non-negative integer up to UInt64.max, read back exactly (a seed).
    public var uint64Value: UInt64? {
        switch self {
        case let .int(i) where i >= 0: return UInt64(i)
        case let .uint(u): return u
        case let .double(d) where d >= 0 && d.rounded() == d && d < 9e15: return UInt64(d)
        default: return nil
        }
    }
    public var intValue: Int? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .uint(u): return Double(u)
        case let .double(d): return d
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }

    /// What the value is, for error messages: `the string "3"`, `the number 2.5`, `null`,
    /// `an array`, `an object` (long strings cut to 24 characters).
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return "the boolean \(b)"
        case .int, .uint, .double: return "the number \(serialized)"
        case let .string(s):
            var shown = ""
            JSONValue.writeString(s.count > 24 ? String(s.prefix(24)) + "…" : s, to: &shown)
            return "the string \(shown)"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Parses one JSON document.
    public static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    // MARK: - Writing

    /// Compact JSON; object keys sorted so output is byte-stable.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .uint(u): out += String(u)
        case let .double(d): out += JSONValue.format(d)
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += ", " }
                v.write(to: &out)
            }
            out += "]"
        case let .object(o):
            JSONValue.writeObject(o.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: &out)
        }
    }

    /// An object whose members appear in the given order.
    public static func writeObject(_ members: [(String, JSONValue)], to out: inout String) {
        out += "{"
        for (i, (k, v)) in members.enumerated() {
            if i > 0 { out += ", " }
            writeString(k, to: &out)
            out += ": "
            v.write(to: &out)
        }
        out += "}"
    }

    public static func object(ordered members: [(String, JSONValue)]) -> String {
        var out = ""
        writeObject(members, to: &out)
        return out
    }

    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let u = try? c.decode(UInt64.self) { self = .uint(u) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
        else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .uint(u): try c.encode(u)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
