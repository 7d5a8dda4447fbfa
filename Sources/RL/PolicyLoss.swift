// The GRPO objective, as pure functions: group-relative advantages, the clipped surrogate, the
// k3 KL estimator, and how per-token losses are aggregated (grpo, dapo, dr_grpo).
//
// Letters: P prompts per step, G responses per prompt (the group), o_i the i-th response,
// |o_i| its token count, ρ = π_θ / π_old per token.
import Foundation

// MARK: - Advantages

/// How rewards are scaled into advantages (TRL's `scale_rewards`).
public enum RewardScaling: String, Codable, Sendable, CaseIterable {
    /// (r − mean of the group) / (std of the group + ε): DeepSeekMath's GRPO.
    case group
    /// (r − mean of the group) / (std of the whole batch + ε): less noisy when groups are small.
    case batch
    /// r − mean of the group: Dr. GRPO, which argues the std favours too easy and too hard prompts.
    case none
}

public enum Advantages {
    /// Sample standard deviation (Bessel-corrected, as torch's `std`, which TRL uses); 0 for fewer than 2.
    static func std(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = xs.reduce(0, +) / Double(xs.count)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }

    /// Â_i for every response of every group. A group whose rewards are all equal gets zero
    /// advantages under every scaling.
    public static func compute(_ rewards: [[Double]], scaling: RewardScaling, epsilon: Double = 1e-4) -> [[Double]] {
        let batchStd = std(rewards.flatMap { $0 })
        return rewards.map { group in
            guard !group.isEmpty else { return [] }
            let mean = group.reduce(0, +) / Double(group.count)
            let scale: Double
            switch scaling {
            case .group: scale = std(group) + epsilon
            case .batch: scale = batchStd + epsilon
            case .none: scale = 1
            }
            return group.map { ($0 - mean) / scale }
        }
    }
}

// MARK: - Per-token terms

public enum PolicyLoss {
    /// One token's clipped surrogate −min(ρÂ, clip(ρ, 1−ε_low, 1+ε_high)Â), its derivative with
    /// respect to log π_θ(token), and whether the clip was active (the gradient is zero there).
    public static func clipped(logProb: Double, oldLogProb: Double, advantage a: Double,
                               epsilonLow: Double, epsilonHigh: Double) -> (loss: Double, dLogProb: Double, clipped: Bool) {
        let ratio = exp(logProb - oldLogProb)
        let unclipped = ratio * a
        let clippedTerm = min(max(ratio, 1 - epsilonLow), 1 + epsilonHigh) * a
        if clippedTerm < unclipped {
            return (-clippedTerm, 0, true)
        }
        // d(−ρÂ)/d log π_θ = −ρÂ, since dρ/d log π_θ = ρ.
        return (-unclipped, -unclipped, false)
    }

    /// The k3 estimator of KL(π_θ ‖ π_ref) for one token, π_ref/π_θ − log(π_ref/π_θ) − 1 (never
    /// negative), and its derivative with respect to log π_θ: 1 − π_ref/π_θ.
    public static func k3(logProb: Double, refLogProb: Double) -> (value: Double, dLogProb: Double) {
        let d = refLogProb - logProb
        let r = exp(d)
        return (r - d - 1, 1 - r)
    }
}

// MARK: - Aggregation

/// How per-token losses become one number (TRL's `loss_type`).
public enum LossAggregation: String, Codable, Sendable, CaseIterable {
    /// Mean over each sequence's tokens, then mean over sequences (DeepSeekMath): long responses
    /// weigh less per token.
    case grpo
    /// Sum over all tokens of the batch divided by their count (DAPO): every token weighs the same.
    case dapo
    /// Sum over all tokens divided by the constant B × max_length (Dr. GRPO): no length bias.
    case dr_grpo

    /// The weight of each token of each sequence: loss = Σ_i Σ_t weight_i · ℓ_{i,t}. Sequences
    /// left out (`included` false: masked truncations, zero-variance groups) weigh 0 and do not
    /// count in the normalisers.
    public func tokenWeights(lengths: [Int], included: [Bool], maxLength: Int) -> [Double] {
        precondition(lengths.count == included.count)
        let kept = lengths.indices.filter { included[$0] && lengths[$0] > 0 }
        guard !kept.isEmpty else { return lengths.map { _ in 0 } }
        var w = [Double](repeating: 0, count: lengths.count)
        switch self {
        case .grpo:
            for i in kept { w[i] = 1 / (Double(lengths[i]) * Double(kept.count)) }
        case .dapo:
            let tokens = kept.reduce(0) { $0 + lengths[$1] }
            for i in kept { w[i] = 1 / Double(tokens) }
        case .dr_grpo:
            for i in kept { w[i] = 1 / (Double(lengths.count) * Double(maxLength)) }
        }
        return w
    }
}
