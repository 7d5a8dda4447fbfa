// Problem: one task for the model, and its JSONL form (../shared/DESIGN.md §3).
import Foundation

// MARK: - Family names

/// The problem families. The raw value is the `family` field of a problem line.
public enum Family: String, CaseIterable, Sendable, Codable, Comparable {
    case add, sub, mul, div, frac, linear, countdown

    public static func < (a: Family, b: Family) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Countdown answers are expressions; every other family's answer is a number.
    public var answersWithExpression: Bool { self == .countdown }
}

// MARK: - Problem

public struct Problem: Sendable, Equatable {
    /// Unique within a file, e.g. `mul-3x2-000017`.
    public var id: String
    public var family: Family
    /// The family's difficulty knob (see `FamilyGenerator.difficulties`).
    public var difficulty: Int
    /// The exact text the model sees inside the template.
    public var question: String
    /// The canonical answer: a rational in canonical form, or for countdown one valid expression.
    public var answer: String
    /// Countdown only: the numbers to use, each exactly once.
    public var numbers: [Int]?
    /// Countdown only: the value to reach.
    public var target: Int?
    /// Fields this version does not know; kept so a file round-trips, otherwise ignored.
    public var extra: [String: JSONValue] = [:]

    public init(id: String, family: Family, difficulty: Int, question: String, answer: String,
                numbers: [Int]? = nil, target: Int? = nil, extra: [String: JSONValue] = [:]) {
        self.id = id
        self.family = family
        self.difficulty = difficulty
        self.question = question
        self.answer = answer
        self.numbers = numbers
        self.target = target
        self.extra = extra
    }

    /// Two problems with the same key ask the same thing: the question without spaces, and for
    /// countdown the sorted numbers and the target (their order in the question does not matter).
    public var canonicalKey: String {
        if family == .countdown, let numbers, let target {
            return "countdown:" + numbers.sorted().map(String.init).joined(separator: ",") + "->\(target)"
        }
        return family.rawValue + ":" + question.filter { !$0.isWhitespace }
    }

    static let knownKeys: Set<String> = ["id", "family", "difficulty", "question", "answer", "numbers", "target"]

    /// What a problem line must hold, for error hints.
    public static let formatHint = "each line is one JSON object with \"id\" (a string), \"family\" (one of "
        + Family.allCases.map(\.rawValue).joined(separator: ", ") + "), \"difficulty\" (an integer), \"question\" (a string) "
        + "and \"answer\" (a string); countdown also \"numbers\" (an array of integers) and \"target\" (an integer). "
        + "See README \"Problem format\""
}

// MARK: - JSON

extension Problem {
    /// One JSONL line (no newline): known fields in a fixed order, then unknown ones sorted.
    public var jsonLine: String {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("family", .string(family.rawValue)), ("difficulty", .int(difficulty)),
            ("question", .string(question)), ("answer", .string(answer)),
        ]
        if let numbers { members.append(("numbers", .array(numbers.map { .int($0) }))) }
        if let target { members.append(("target", .int(target))) }
        for key in extra.keys.sorted() { members.append((key, extra[key]!)) }
        return JSONValue.object(ordered: members)
    }

    /// Reads a problem from a parsed JSON object; `what` says which field was wrong.
    public init(json: JSONValue) throws(ProblemFormatError) {
        guard case let .object(o) = json else { throw .notAnObject }
        func string(_ k: String) throws(ProblemFormatError) -> String {
            guard let v = o[k] else { throw .missingField(k) }
            guard let s = v.stringValue else { throw .wrongType(field: k, expected: "a string", found: v) }
            return s
        }
        let familyName = try string("family")
        guard let family = Family(rawValue: familyName) else {
            throw .unknownFamily(familyName)
        }
        guard let dv = o["difficulty"] else { throw .missingField("difficulty") }
        guard let difficulty = dv.intValue else { throw .wrongType(field: "difficulty", expected: "an integer", found: dv) }
        var numbers: [Int]?, target: Int?
        if let nv = o["numbers"] {
            guard let arr = nv.arrayValue else { throw .wrongType(field: "numbers", expected: "an array of integers", found: nv) }
            var ns: [Int] = []
            for v in arr {
                guard let i = v.intValue else { throw .wrongType(field: "numbers", expected: "an array of integers", found: v) }
                ns.append(i)
            }
            numbers = ns
        }
        if let tv = o["target"] {
            guard let t = tv.intValue else { throw .wrongType(field: "target", expected: "an integer", found: tv) }
            target = t
        }
        if family == .countdown {
            guard numbers != nil else { throw .missingField("numbers") }
            guard target != nil else { throw .missingField("target") }
        }
        self.init(id: try string("id"), family: family, difficulty: difficulty,
                  question: try string("question"), answer: try string("answer"),
                  numbers: numbers, target: target,
                  extra: o.filter { !Problem.knownKeys.contains($0.key) })
        // The answer must be one the verifier accepts: a number literal, or for countdown an
        // expression over the numbers that makes the target. Otherwise every response would be
        // graded against nothing and blamed for it.
        let own = Verifier().graded(answer: answer, for: self).verdict
        guard own == .correct else { throw .invalidAnswer(answer, family: family, reason: own.reason) }
    }
}

/// What is wrong with one problem object.
public enum ProblemFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(String)
    case notAnObject
    case missingField(String)
    /// `found` is the value given, when there is one to show.
    case wrongType(field: String, expected: String, found: JSONValue? = nil)
    case unknownFamily(String)
    /// An answer the verifier could never accept.
    case invalidAnswer(String, family: Family, reason: String)

    public var description: String {
        switch self {
        case let .notJSON(detail): return "not valid JSON (\(detail))"
        case .notAnObject: return "expected a JSON object"
        case let .missingField(k): return "missing field \"\(k)\""
        case let .wrongType(k, expected, found):
            return "field \"\(k)\" must be \(expected)" + (found.map { ", not \($0.kindDescription)" } ?? "")
        case let .unknownFamily(f):
            return "unknown family \"\(f)\" (expected one of \(Family.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .invalidAnswer(a, family, reason):
            let expected = family.answersWithExpression
                ? "an expression that uses each of \"numbers\" once and makes \"target\""
                : "a number: an integer, a decimal or a fraction such as -7/4"
            return "field \"answer\" must be \(expected), not \(JSONValue.string(a).kindDescription) (\(reason))"
        }
    }
}
