// Accuracy, format rate and response length over a set of problems, overall, per family, per
// difficulty and per response style (reasoning written out or not); with k responses per
// problem also mean@k, pass@k and maj@k.
import GPT
import Tasks

/// Counts over a set of rollouts.
public struct EvalSummary: Sendable {
    public var count = 0
    public var correct = 0
    public var formatOK = 0
    public var truncated = 0
    public var stepsChecked = 0
    public var stepsTrue = 0
    /// Rollouts with a non-empty think block, and how many of them were correct.
    public var reasoning = 0
    public var reasoningCorrect = 0
    public var correctLength = 0
    public var wrongLength = 0
    /// Rollouts with a check line, with a failed check, and with a retry after a failed check
    /// (`Reasoning.Marks`); how many of the retried ones were correct.
    public var checked = 0
    public var failedCheck = 0
    public var retried = 0
    public var retriedCorrect = 0
    /// Problems added with `add(group:)`, the sum of their unbiased pass@k estimates (k = the
    /// group's size) and how many of them the majority answer solves.
    public var problems = 0
    public var passAtKSum = 0.0
    public var majorityCorrect = 0
    /// k → the sum over problems of the unbiased pass@k, for k = 1, 2, 4, … up to the group size
    /// and the group size itself: the pass@k curve.
    public var passCurveSums: [Int: Double] = [:]

    public init() {}

    /// All responses to one problem: counts each response, and the problem's pass@k and maj@k
    /// with k = `group.count`.
    public mutating func add(group: [Rollout]) {
        guard !group.isEmpty else { return }
        for r in group { add(r) }
        problems += 1
        let c = group.filter(\.scored.verdict.isCorrect).count
        passAtKSum += PassAtK.estimate(n: group.count, c: c, k: group.count)
        for k in PassAtK.curveKs(upTo: group.count) { passCurveSums[k, default: 0] += PassAtK.estimate(n: group.count, c: c, k: k) }
        if AnswerKey.majority(group)?.correct == true { majorityCorrect += 1 }
    }

    public mutating func add(_ r: Rollout) {
        count += 1
        if r.scored.verdict.isCorrect { correct += 1; correctLength += r.length } else { wrongLength += r.length }
        if r.scored.formatOK { formatOK += 1 }
        if r.truncated { truncated += 1 }
        stepsChecked += r.scored.steps.checked
        stepsTrue += r.scored.steps.correct
        if r.reasons {
            reasoning += 1
            if r.scored.verdict.isCorrect { reasoningCorrect += 1 }
        }
        let m = r.scored.marks
        if m.hasCheck { checked += 1 }
        if m.hasFailedCheck { failedCheck += 1 }
        if m.hasRetry {
            retried += 1
            if r.scored.verdict.isCorrect { retriedCorrect += 1 }
        }
    }

    static func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
    public var accuracy: Double? { Self.ratio(correct, count) }
    public var formatRate: Double? { Self.ratio(formatOK, count) }
    public var meanLength: Double? { Self.ratio(correctLength + wrongLength, count) }
    public var truncatedRate: Double? { Self.ratio(truncated, count) }
    public var meanCorrectLength: Double? { Self.ratio(correctLength, correct) }
    public var meanWrongLength: Double? { Self.ratio(wrongLength, count - correct) }
    public var stepAccuracy: Double? { Self.ratio(stepsTrue, stepsChecked) }
    public var reasoningRate: Double? { Self.ratio(reasoning, count) }
    /// Accuracy of the responses that reason step by step.
    public var reasoningAccuracy: Double? { Self.ratio(reasoningCorrect, reasoning) }
    /// Accuracy of the responses that answer without reasoning.
    public var directAccuracy: Double? { Self.ratio(correct - reasoningCorrect, count - reasoning) }
    /// Mean over problems of the unbiased pass@k (k responses each); with k = 1 the accuracy.
    public var passAtK: Double? { problems == 0 ? nil : passAtKSum / Double(problems) }
    /// Shares of responses with a check, a failed check, a retry after a failed check.
    public var checkRate: Double? { Self.ratio(checked, count) }
    public var failedCheckRate: Double? { Self.ratio(failedCheck, count) }
    public var retryRate: Double? { Self.ratio(retried, count) }
    /// Accuracy of the responses that retried after a failed check, and of all the others.
    public var retriedAccuracy: Double? { Self.ratio(retriedCorrect, retried) }
    public var notRetriedAccuracy: Double? { Self.ratio(correct - retriedCorrect, count - retried) }
    /// The pass@k curve: k → mean over problems of the unbiased pass@k.
    public var passCurve: [(k: Int, value: Double)] {
        problems == 0 ? [] : passCurveSums.keys.sorted().map { ($0, passCurveSums[$0]! / Double(problems)) }
    }
    /// Fraction of problems whose majority answer is correct.
    public var majorityAccuracy: Double? { Self.ratio(majorityCorrect, problems) }
}

/// A summary overall, per family and per (family, difficulty).
public struct Evaluation: Sendable {
    public var overall = EvalSummary()
    public var byFamily: [Family: EvalSummary] = [:]
    /// Difficulty knobs differ between families, so difficulties are broken down within each.
    public var byDifficulty: [Family: [Int: EvalSummary]] = [:]

    /// `rollouts[i]` holds every response to problem i.
    public init(_ rollouts: [[Rollout]]) {
        for group in rollouts {
            guard let p = group.first?.problem else { continue }
            overall.add(group: group)
            byFamily[p.family, default: EvalSummary()].add(group: group)
            byDifficulty[p.family, default: [:]][p.difficulty, default: EvalSummary()].add(group: group)
        }
    }

    /// The breakdown in reading order: each family followed by its difficulties, then all.
    /// (nil, nil) is the row of all problems.
    public var rows: [(family: Family?, difficulty: Int?)] {
        var out: [(Family?, Int?)] = []
        for f in Family.allCases where byFamily[f] != nil {
            out.append((f, nil))
            out += (byDifficulty[f] ?? [:]).keys.sorted().map { (f, $0) }
        }
        return out + [(nil, nil)]
    }

    /// The summary of one row of `rows`.
    public func summary(family: Family?, difficulty: Int?) -> EvalSummary? {
        guard let family else { return overall }
        guard let difficulty else { return byFamily[family] }
        return byDifficulty[family]?[difficulty]
    }

    /// A plain-text table of one pass: a row per family, per difficulty and one for all.
    public var table: String { EvalTables.breakdown(greedy: self, sampled: nil, k: 1) }
}
