// Checks, failed checks and retries: the words worked solutions use for them, the slip that a
// repair trace starts from, and the detector that finds them in any response.
import Exact

/// The markers of verification in reasoning text, and what a response did with them.
public enum Reasoning {
    /// A check line starts with this word and ends with a verdict: `check 5538-0803=4735 ok`.
    public static let check = "check"
    /// The verdict of a check that came out as it should.
    public static let pass = "ok"
    /// The verdict of a check that did not.
    public static let fail = "wrong"
    /// What a worked solution writes after a failed check before it starts over.
    public static let retry = "wait, redo"
    /// Between a compared check's claim and the number its result must equal (`CheckForm.compared`).
    public static let versus = "vs"

    /// What one response did about verification.
    public struct Marks: Sendable, Equatable {
        /// It has at least one check line.
        public var hasCheck = false
        /// A check line says `wrong`, or its claim is false, or (`CheckForm.compared`) its
        /// claim's result differs from the number after `vs`.
        public var hasFailedCheck = false
        /// A retry marker follows a failed check (a retry with no failed check before it does not
        /// count: it repairs nothing).
        public var hasRetry = false

        public init(hasCheck: Bool = false, hasFailedCheck: Bool = false, hasRetry: Bool = false) {
            self.hasCheck = hasCheck
            self.hasFailedCheck = hasFailedCheck
            self.hasRetry = hasRetry
        }
    }

    /// Check lines whose claims are read; a check line longer than `StepChecker.maxClaimLength`
    /// counts by its verdict only. Both bound the work on any input, as the step checker's own
    /// limits do.
    public static let maxCheckedLines = 64

    /// The marks of `text` (a whole response or its think block). Lines are read in order; a check
    /// line is one whose first word is `check`. Works on the UTF-8 bytes, in one pass.
    public static func marks(in text: String) -> Marks { scan(text).marks }

    /// Where the first failed check line of `text` (a think block) ends, in Unicode scalars from
    /// its start: the point at which a response either retries or answers anyway. nil when no
    /// check fails.
    public static func firstFailedCheckEnd(in text: String) -> Int? {
        guard let end = scan(text).firstFailureEnd else { return nil }
        return text.utf8.prefix(end).reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    /// The marks, and the UTF-8 offset at which the first failed check line ends.
    private static func scan(_ text: String) -> (marks: Marks, firstFailureEnd: Int?) {
        var m = Marks()
        var firstFailureEnd: Int?
        var read = 0
        let bytes = Array(text.utf8)
        let checkWord = Array(check.utf8), retryWord = Array(retry.utf8), failWord = Array((" " + fail).utf8)
        func starts(_ word: [UInt8], at i: Int, end: Int) -> Bool {
            end - i >= word.count && bytes[i..<(i + word.count)].elementsEqual(word)
        }
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 10, bytes[end] != 13 { end += 1 }
            var i = start
            while i < end, bytes[i] == 32 { i += 1 }
            if starts(checkWord, at: i, end: end), end - i == checkWord.count || bytes[i + checkWord.count] == 32 {
                m.hasCheck = true
                var last = end
                while last > i, bytes[last - 1] == 32 { last -= 1 }
                var failed = last - i >= failWord.count && bytes[(last - failWord.count)..<last].elementsEqual(failWord)
                if !failed, read < maxCheckedLines, end - i <= StepChecker.maxClaimLength {
                    read += 1
                    let line = String(decoding: bytes[i..<end], as: UTF8.self)
                    failed = StepChecker.claims(in: line).contains { !$0.isTrue } || comparisonFails(line)
                }
                if failed, !m.hasFailedCheck {
                    m.hasFailedCheck = true
                    firstFailureEnd = end
                }
            } else if m.hasFailedCheck, starts(retryWord, at: i, end: end) {
                m.hasRetry = true
            }
            start = end + 1
        }
        return (m, firstFailureEnd)
    }
}

extension Reasoning {
    /// Whether a compared check line's claim comes to another number than the one after `vs`:
    /// `check 4735+0803=5539 vs 5538 ok`. Only a claim's result is compared (the word before `vs`
    /// holds an `=`), so `check nines 3 vs 5 ok`, whose two sums are no claim, is read by its
    /// verdict alone, as before compared checks.
    static func comparisonFails(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        guard let v = words.firstIndex(where: { $0 == versus }), v > 0, v + 1 < words.count,
              let eq = words[v - 1].lastIndex(of: "="),
              let result = Rational(String(words[v - 1][words[v - 1].index(after: eq)...])),
              let expected = Rational(String(words[v + 1])) else { return false }
        return result != expected
    }
}

/// How a worked solution writes its check line.
public enum CheckForm: Sendable, CaseIterable {
    /// `check 4735+0803=5538 ok`: the claim the check works out; its verdict compares the claim's
    /// result with the question's number, which the line does not write.
    case claim
    /// `check 4735+0803=5538 vs 5538 ok`: the claim, then `vs` and the number its result must
    /// equal (the question's, without leading zeros), so the verdict compares two numbers on its
    /// own line and a check that copies the question's number into its claim is a false claim
    /// beside it (`CorpusMix.comparedChecks`). Multiplication's check already compares (`check
    /// nines 3 vs 3 ok`) and countdown's cannot fail; both write it as before.
    case compared
}

/// One deliberate slip in a worked solution: the one-digit step number `at` (counting from 0, in
/// the order the procedure writes them) comes out one off, and every later step follows from it,
/// as after a person's slip. `calls` counts the steps that went through it, so a run with
/// `at: .max` counts the steps a slip could fall on.
final class Slip {
    let at: Int
    let up: Bool
    private(set) var calls = 0
    private(set) var happened = false

    init(at: Int, up: Bool = true) {
        self.at = at
        self.up = up
    }

    /// `value`, or on the chosen step a value one off that stays inside `range`.
    func apply(_ value: Int, in range: ClosedRange<Int>) -> Int {
        defer { calls += 1 }
        guard calls == at else { return value }
        happened = true
        let v = up ? value + 1 : value - 1
        return range.contains(v) ? v : (up ? value - 1 : value + 1)
    }
}
