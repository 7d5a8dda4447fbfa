// Estimators over k sampled responses per problem: the unbiased pass@k, and maj@k (majority
// vote over answers compared exactly).
import Exact
import Tasks

public enum PassAtK {
    /// The unbiased estimate of pass@k from n samples of which c are correct (Chen et al. 2021):
    /// the chance that k of the n, drawn without replacement, include a correct one,
    /// 1 − C(n−c, k) / C(n, k), computed as 1 − ∏_{i=n−c+1}^{n} (1 − k/i) so that no binomial
    /// coefficient is ever formed (they overflow long before n does).
    public static func estimate(n: Int, c: Int, k: Int) -> Double {
        precondition(n >= 1 && (0...n).contains(c) && (1...n).contains(k), "need 0 ≤ c ≤ n and 1 ≤ k ≤ n")
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        var notPassing = 1.0
        for i in (n - c + 1)...n { notPassing *= 1 - Double(k) / Double(i) }
        return 1 - notPassing
    }
}

/// Answers compared exactly, for majority voting.
public enum AnswerKey {
    /// A key that two responses share exactly when the verifier must judge their answers alike:
    /// for a number family the answer's exact value as a canonical rational (`6/8`, `0.75` and
    /// `3/4` share the key `3/4`; `x=5` and `5` share `5` for `linear`); for countdown the sorted
    /// numbers the expression uses and its exact value (the verdict depends on nothing else, so
    /// `(1+6)*3` and `3*(6+1)` vote together). nil when there is no gradable answer (the verdict
    /// is missing or malformed): such a response does not vote.
    public static func of(_ scored: Scored, family: Family) -> String? {
        switch scored.verdict {
        case .missing, .malformed: return nil
        case .correct, .wrong: break
        }
        guard let content = scored.answer else { return nil }
        let text = trimmed(content)
        if family.answersWithExpression {
            guard let e = try? ExpressionParser(allowDecimals: false).parse(text), let v = try? e.evaluate() else { return nil }
            return e.numbers.map(\.description).sorted().joined(separator: ",") + "→" + v.description
        }
        var literal = Substring(text)
        if family == .linear, literal.hasPrefix("x=") { literal = literal.dropFirst(2) }
        return (try? Rational.parse(literal: literal))?.description
    }

    /// The majority answer of one problem's responses and whether it is correct. Ties go to the
    /// answer given first (lowest sample index), so the vote is deterministic; nil when no
    /// response has a gradable answer (maj@k counts the problem as not solved).
    public static func majority(_ group: [Rollout]) -> (key: String, correct: Bool)? {
        var votes: [String: (count: Int, first: Int, correct: Bool)] = [:]
        for (i, r) in group.enumerated() {
            guard let key = of(r.scored, family: r.problem.family) else { continue }
            votes[key, default: (0, i, r.scored.verdict.isCorrect)].count += 1
        }
        let best = votes.max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.value.first > b.value.first
        }
        return best.map { ($0.key, $0.value.correct) }
    }
}

/// Without leading and trailing whitespace, as the verifier reads an answer.
func trimmed(_ s: String) -> String {
    var t = Substring(s)
    while t.first?.isWhitespace == true { t = t.dropFirst() }
    while t.last?.isWhitespace == true { t = t.dropLast() }
    return String(t)
}
