// Estimators over k sampled responses per problem: the unbiased pass@k, and maj@k (majority
// vote over answers compared exactly, by the verifier's canonical answer key).
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

    /// The k of a pass@k curve from n samples: 1, 2, 4, … below n, and n.
    public static func curveKs(upTo n: Int) -> [Int] {
        guard n >= 1 else { return [] }
        var ks: [Int] = [], k = 1
        while k < n { ks.append(k); k *= 2 }
        return ks + [n]
    }
}

/// Majority voting over answers compared exactly, by the verifier's own canonical answer key
/// (`Scored.answerKey`): two answers vote together exactly when the verifier must judge them alike
/// (`6/8`, `0.75` and `3/4`; for countdown the same numbers and value), with no second parser here.
public enum AnswerKey {
    /// The majority answer of one problem's responses and whether it is correct. Responses without
    /// a gradable answer (missing, malformed) do not vote. Ties go to the answer given first (lowest
    /// sample index), so the vote is deterministic; nil when no response votes (maj@k counts the
    /// problem as not solved).
    public static func majority(_ group: [Rollout]) -> (key: String, correct: Bool)? {
        var votes: [String: (count: Int, first: Int, correct: Bool)] = [:]
        for (i, r) in group.enumerated() {
            guard let key = r.scored.answerKey else { continue }
            votes[key, default: (0, i, r.scored.verdict.isCorrect)].count += 1
        }
        let best = votes.max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.value.first > b.value.first
        }
        return best.map { ($0.key, $0.value.correct) }
    }
}
