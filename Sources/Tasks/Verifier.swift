// The verifier: reads the answer out of a response, grades it exactly against the problem,
// checks the format, and turns both into a reward with its components.
//
// Policy (README "Verifier policy" says the same; tests cover both sides of every rule):
//   missing   no complete <answer>…</answer> block.
//   malformed more than one answer tag of either kind; an answer over 256 characters; for a
//             number family, content (whitespace trimmed) that is not a number literal
//             (`-`? digits, then optionally `/digits` non-zero or `.digits`; `linear` also takes
//             one leading `x=`); for countdown, an expression that does not parse, uses anything
//             but integers, + - * / and parentheses, or divides by zero.
//   wrong     parses, but is not exactly equal; for countdown, a valid expression whose numbers
//             are not exactly the given multiset or whose value is not the target.
//   correct   exactly equal as rationals (6/8, 0.75 and 3/4 are equal; 007 equals 7).
import Exact

// MARK: - Verdict

public enum Verdict: Sendable, Equatable {
    case correct
    case wrong(String)
    case malformed(String)
    case missing

    /// `correct`, `wrong`, `malformed` or `missing`.
    public var name: String {
        switch self {
        case .correct: return "correct"
        case .wrong: return "wrong"
        case .malformed: return "malformed"
        case .missing: return "missing"
        }
    }

    public var reason: String {
        switch self {
        case .correct: return ""
        case let .wrong(r), let .malformed(r): return r
        case .missing: return "no complete <answer>…</answer> block"
        }
    }

    public var isCorrect: Bool { self == .correct }
}

// MARK: - Tags

/// Where the tags of a response are: one linear pass over its bytes, no pattern matching
/// that can backtrack.
struct TagScan {
    /// Byte offsets of each tag, in the order of `tags`.
    var found: [[Int]] = [[], [], [], []]
    var thinkOpen: [Int] { found[0] }
    var thinkClose: [Int] { found[1] }
    var answerOpen: [Int] { found[2] }
    var answerClose: [Int] { found[3] }

    static let tags: [[UInt8]] = ["<think>", "</think>", "<answer>", "</answer>"].map { Array($0.utf8) }

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        for i in 0..<n where bytes[i] == UInt8(ascii: "<") {
            for (slot, tag) in Self.tags.enumerated() where i + tag.count <= n {
                var match = true
                for k in 1..<tag.count where bytes[i + k] != tag[k] { match = false; break }
                if match { found[slot].append(i); break }
            }
        }
    }
}

// MARK: - Verifier

public struct Verifier: Sendable {
    /// Longest accepted answer, in characters.
    public var maxAnswerLength = 256

    public init(maxAnswerLength: Int = 256) { self.maxAnswerLength = maxAnswerLength }

    /// Everything the verifier says about one response.
    public struct Result: Sendable {
        public var verdict: Verdict
        /// The answer block's content, when there is exactly one (untrimmed).
        public var answer: String?
        /// Exactly one think block followed by exactly one answer block, whitespace elsewhere.
        public var formatOK: Bool
        /// The think text (empty when there is no think block).
        public var think: String
        /// The answer as the verifier judged it, in canonical form; two responses share a key exactly
        /// when their verdicts must agree. nil when there is no gradable answer (missing, malformed).
        /// See `Graded.key`.
        public var answerKey: String?
    }

    /// A verdict and the canonical key of the answer it judged.
    public struct Graded: Sendable, Equatable {
        public var verdict: Verdict
        /// For a number family the answer's exact value as a canonical rational (`6/8`, `0.75` and
        /// `3/4` share `3/4`; `x=5` and `5` share `5` for `linear`); for countdown the sorted numbers
        /// the expression uses and its exact value, `1,3,6→21` (the verdict depends on nothing else,
        /// so `(1+6)*3` and `3*(6+1)` share a key). nil when the answer is malformed.
        public var key: String?
    }

    public func verify(_ response: String, for problem: Problem) -> Result {
        var response = response
        return response.withUTF8 { verify(bytes: $0, problem: problem) }
    }

    func verify(bytes: UnsafeBufferPointer<UInt8>, problem: Problem) -> Result {
        let tags = TagScan(bytes)
        let formatOK = Self.formatOK(tags, bytes)
        var think = ""
        if tags.thinkOpen.count == 1, tags.thinkClose.count == 1, tags.thinkOpen[0] < tags.thinkClose[0] {
            think = String(decoding: UnsafeBufferPointer(rebasing: bytes[(tags.thinkOpen[0] + 7)..<tags.thinkClose[0]]),
                           as: UTF8.self)
        }
        // A complete block: an opening tag with a closing tag after it.
        guard let firstOpen = tags.answerOpen.first, let lastClose = tags.answerClose.last, firstOpen < lastClose else {
            return Result(verdict: .missing, answer: nil, formatOK: formatOK, think: think, answerKey: nil)
        }
        guard tags.answerOpen.count == 1, tags.answerClose.count == 1 else {
            return Result(verdict: .malformed("more than one answer tag (\(tags.answerOpen.count) <answer>, \(tags.answerClose.count) </answer>)"),
                          answer: nil, formatOK: formatOK, think: think, answerKey: nil)
        }
        let start = firstOpen + 8, end = lastClose
        // A character takes at least one byte: more bytes than 4 per allowed character can be
        // rejected before decoding anything.
        guard end - start <= 4 * maxAnswerLength else {
            return Result(verdict: .malformed("answer longer than \(maxAnswerLength) characters"), answer: nil,
                          formatOK: formatOK, think: think, answerKey: nil)
        }
        let content = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        let graded = graded(answer: content, for: problem)
        return Result(verdict: graded.verdict, answer: content, formatOK: formatOK, think: think, answerKey: graded.key)
    }

    /// Grades the content of an answer block.
    public func grade(answer content: String, for problem: Problem) -> Verdict {
        graded(answer: content, for: problem).verdict
    }

    /// Grades the content of an answer block and gives the canonical key of what it judged.
    public func graded(answer content: String, for problem: Problem) -> Graded {
        guard content.count <= maxAnswerLength else {
            return Graded(verdict: .malformed("answer longer than \(maxAnswerLength) characters"), key: nil)
        }
        let trimmed = content.trimmingWhitespace()
        if problem.family.answersWithExpression {
            return gradeCountdown(trimmed, problem)
        }
        var literal = Substring(trimmed)
        if problem.family == .linear, literal.hasPrefix("x=") { literal = literal.dropFirst(2) }
        let value: Rational
        do { value = try Rational.parse(literal: literal) } catch {
            return Graded(verdict: .malformed("not a number literal: \(error)"), key: nil)
        }
        let key = value.description
        guard let expected = Rational(problem.answer) else {
            return Graded(verdict: .malformed("the problem's own answer \"\(problem.answer)\" is not a number"), key: nil)
        }
        return Graded(verdict: value == expected ? .correct : .wrong("\(value) ≠ \(expected)"), key: key)
    }

    func gradeCountdown(_ text: String, _ problem: Problem) -> Graded {
        guard let numbers = problem.numbers, let target = problem.target else {
            return Graded(verdict: .malformed("the problem has no numbers and target"), key: nil)
        }
        let expr: Expression
        do { expr = try ExpressionParser(allowDecimals: false).parse(text) } catch {
            return Graded(verdict: .malformed("not an expression: \(error)"), key: nil)
        }
        let value: Rational
        do { value = try expr.evaluate() } catch { return Graded(verdict: .malformed("\(error)"), key: nil) }
        let key = expr.numbers.map(\.description).sorted().joined(separator: ",") + "→" + value.description
        let used = expr.numbers.map { $0.intValue ?? -1 }.sorted()
        guard used == numbers.sorted() else {
            return Graded(verdict: .wrong("uses \(used.map(String.init).joined(separator: ",")), not \(numbers.sorted().map(String.init).joined(separator: ","))"),
                          key: key)
        }
        return Graded(verdict: value == Rational(target) ? .correct : .wrong("equals \(value), not \(target)"), key: key)
    }

    /// Exactly one `<think>…</think>` followed by exactly one `<answer>…</answer>`, with only
    /// whitespace outside them.
    static func formatOK(_ t: TagScan, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.thinkOpen.count == 1, t.thinkClose.count == 1, t.answerOpen.count == 1, t.answerClose.count == 1
        else { return false }
        let (a, b, c, d) = (t.thinkOpen[0], t.thinkClose[0], t.answerOpen[0], t.answerClose[0])
        guard a < b, b < c, c < d else { return false }
        func blank(_ r: Range<Int>) -> Bool { r.allSatisfy { isSpace(bytes[$0]) } }
        return blank(0..<a) && blank((b + 8)..<c) && blank((d + 9)..<bytes.count)
    }
}

@inline(__always)
func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 }

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let u = Array(utf8)
        var lo = 0, hi = u.count
        while lo < hi, isSpace(u[lo]) { lo += 1 }
        while hi > lo, isSpace(u[hi - 1]) { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}
