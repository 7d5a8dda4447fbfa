// Accuracy, format rate and response length over a set of problems, overall, per family and
// per response style (reasoning written out or not).
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

    public init() {}

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
}

/// A summary overall and per family.
public struct Evaluation: Sendable {
    public var overall = EvalSummary()
    public var byFamily: [Family: EvalSummary] = [:]

    public init(_ rollouts: [[Rollout]]) {
        for group in rollouts {
            for r in group {
                overall.add(r)
                byFamily[r.problem.family, default: EvalSummary()].add(r)
            }
        }
    }

    /// A plain-text table: one row per family and one for all.
    public var table: String {
        func pct(_ x: Double?) -> String { x.map { String(Int(($0 * 100).rounded())) + "%" } ?? "-" }
        func num(_ x: Double?) -> String { x.map { String(Int($0.rounded())) } ?? "-" }
        var rows = [["family", "n", "accuracy", "format", "length", "reasoning", "acc(reasoning)", "acc(direct)", "steps true"]]
        let families = Family.allCases.filter { byFamily[$0] != nil }
        for (name, s) in families.map({ ($0.rawValue, byFamily[$0]!) }) + [("all", overall)] {
            rows.append([name, String(s.count), pct(s.accuracy), pct(s.formatRate), num(s.meanLength), pct(s.reasoningRate),
                         pct(s.reasoningAccuracy), pct(s.directAccuracy), pct(s.stepAccuracy)])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
