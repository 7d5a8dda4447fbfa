// The objectives as pure functions: advantages (group-relative, leave-one-out, GAE), the
// surrogates (clipped, CISPO, REINFORCE), the KL estimators (k1, k3, exact), PPO's value loss,
// explained variance, and how per-token losses are aggregated (grpo, dapo, dr_grpo).
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

/// The reward statistics of one step's groups, computed once and shared by everything that needs
/// them: the advantages the loss uses, the advantages saved with the traces, and the logged
/// `reward`, `reward_std` and `frac_reward_zero_std`.
public struct GroupStatistics: Sendable {
    /// Rewards, one array per group (G responses to one prompt).
    public let rewards: [[Double]]
    /// Mean reward of each group.
    public let means: [Double]
    /// Sample standard deviation of each group's rewards (Bessel-corrected, as torch's `std`).
    public let stds: [Double]
    /// Whether each group's rewards are all equal: such a group carries no learning signal.
    public let zeroStd: [Bool]
    /// Sample standard deviation of all rewards of the step (the `batch` scaling; TRL's `reward_std`).
    public let batchStd: Double
    /// How `advantages` were scaled.
    public let scaling: RewardScaling
    /// Â_i of every response of every group under `scaling`.
    public let advantages: [[Double]]
    /// What each group's advantages are divided by (0 for an all-equal group, whose advantages are 0).
    public let scales: [Double]

    public init(_ rewards: [[Double]], scaling: RewardScaling, epsilon: Double = 1e-4) {
        self.rewards = rewards
        self.scaling = scaling
        means = rewards.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
        stds = rewards.map(Advantages.std)
        zeroStd = rewards.map { g in g.allSatisfy { $0 == g.first } }
        let batchStd = Advantages.std(rewards.flatMap { $0 })
        self.batchStd = batchStd
        let (means, stds, zeroStd) = (means, stds, zeroStd)
        scales = rewards.indices.map { g in
            if zeroStd[g] { return 0 }
            switch scaling {
            case .group: return stds[g] + epsilon
            case .batch: return batchStd + epsilon
            case .none: return 1
            }
        }
        let scales = scales
        advantages = rewards.indices.map { g in
            // All-equal groups get exactly zero under every scaling (no rounding residue of the mean).
            if zeroStd[g] { return rewards[g].map { _ in 0 } }
            return rewards[g].map { ($0 - means[g]) / scales[g] }
        }
    }

    /// The advantages of the tokens from each response's first failed check on (`failed`: which
    /// responses have one): its reward against the mean reward of the responses of its group
    /// whose checks also failed, scaled as `advantages` are. What the others did from a failed
    /// check (retry, or answer anyway) is the baseline of what this one did; the work before the
    /// check keeps the whole group's. nil where there is no such contrast (no failed check, or
    /// the group's failed responses all scored alike, or there is one): the response's own
    /// advantage then holds for all its tokens, as without the option.
    public func afterFailedCheck(_ failed: [[Bool]]) -> [[Double?]] {
        rewards.indices.map { g in
            let members = rewards[g].indices.filter { failed[g][$0] }
            let contrast = members.contains { rewards[g][$0] != rewards[g][members[0]] }
            let mean = members.reduce(0) { $0 + rewards[g][$1] } / Double(max(1, members.count))
            return rewards[g].indices.map { i in failed[g][i] && contrast ? (rewards[g][i] - mean) / scales[g] : nil }
        }
    }

    /// Responses in all.
    public var count: Int { rewards.reduce(0) { $0 + $1.count } }
    /// Mean reward over all responses (TRL's `reward`).
    public var meanReward: Double { count == 0 ? 0 : rewards.joined().reduce(0, +) / Double(count) }
    /// Fraction of groups whose rewards are all equal (TRL's `frac_reward_zero_std`).
    public var fracZeroStd: Double { zeroStd.isEmpty ? 0 : Double(zeroStd.filter { $0 }.count) / Double(zeroStd.count) }
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
        GroupStatistics(rewards, scaling: scaling, epsilon: epsilon).advantages
    }

    /// REINFORCE with the group-mean baseline: r_i − mean of the group (unscaled).
    public static func groupMean(_ rewards: [[Double]]) -> [[Double]] {
        rewards.map { g in
            let m = g.reduce(0, +) / Double(max(1, g.count))
            return g.map { $0 - m }
        }
    }

    /// RLOO: each response's baseline is the mean of the other G − 1 rewards of its group,
    /// r_i − (Σ_j r_j − r_i)/(G − 1).
    public static func leaveOneOut(_ rewards: [[Double]]) -> [[Double]] {
        rewards.map { g in
            guard g.count > 1 else { return g.map { _ in 0 } }
            let sum = g.reduce(0, +)
            return g.map { $0 - (sum - $0) / Double(g.count - 1) }
        }
    }

    /// Generalised advantage estimation over one response: δ_t = r_t + γV_{t+1} − V_t (V after
    /// the last token is 0: the episode ends), Â_t = Σ_l (γλ)^l δ_{t+l}. Returns Â; the critic's
    /// targets are Â(λ_critic) + V.
    public static func gae(rewards: [Double], values: [Double], gamma: Double, lambda: Double) -> [Double] {
        precondition(rewards.count == values.count, "one value per reward")
        var adv = [Double](repeating: 0, count: rewards.count)
        var next = 0.0, nextValue = 0.0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let delta = rewards[t] + gamma * nextValue - values[t]
            next = delta + gamma * lambda * next
            adv[t] = next
            nextValue = values[t]
        }
        return adv
    }

    /// Mean and (population) standard deviation, what whitening, (x − mean)/(std + 1e-8), divides by.
    public static func meanAndStd(_ xs: [Double]) -> (mean: Double, std: Double) {
        guard !xs.isEmpty else { return (0, 0) }
        let m = xs.reduce(0, +) / Double(xs.count)
        let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count)
        return (m, v.squareRoot())
    }

    /// Explained variance of the values as predictors of the returns: 1 − Var(R − V)/Var(R)
    /// (1: perfect, 0: no better than the mean; nil when the returns do not vary).
    public static func explainedVariance(values: [Double], returns: [Double]) -> Double? {
        precondition(values.count == returns.count)
        let stdR = meanAndStd(returns).std
        guard stdR > 0 else { return nil }
        let stdResidual = meanAndStd(zip(returns, values).map { $0 - $1 }).std
        return 1 - (stdResidual * stdResidual) / (stdR * stdR)
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

    /// CISPO (MiniMax-M1): the clipped ratio as a stop-gradient weight on log π,
    /// −sg(clip(ρ, 1−ε_low, 1+ε_high))·Â·log π, so a clipped token still has a gradient.
    public static func cispo(logProb: Double, oldLogProb: Double, advantage a: Double,
                             epsilonLow: Double, epsilonHigh: Double) -> (loss: Double, dLogProb: Double, clipped: Bool) {
        let ratio = exp(logProb - oldLogProb)
        let w = min(max(ratio, 1 - epsilonLow), 1 + epsilonHigh)
        return (-w * a * logProb, -w * a, w != ratio)
    }

    /// REINFORCE: −Â·log π, no ratio, no clip.
    public static func reinforce(logProb: Double, advantage a: Double) -> (loss: Double, dLogProb: Double) {
        (-a * logProb, -a)
    }

    /// The k1 estimator of KL(π_θ ‖ π_ref) for one token, log π_θ − log π_ref (unbiased, can be
    /// negative), and its derivative with respect to log π_θ: 1.
    public static func k1(logProb: Double, refLogProb: Double) -> (value: Double, dLogProb: Double) {
        (logProb - refLogProb, 1)
    }

    /// The exact KL over the vocabulary at one position, Σ_v p_ref(v)·(log p_ref(v) − log p_θ(v)),
    /// and its gradient with respect to the logits of π_θ: p_θ − p_ref (written into `dLogits`,
    /// scaled by `scale`).
    public static func exactKL(probs: UnsafeBufferPointer<Float>, refProbs: UnsafeBufferPointer<Float>,
                               dLogits: UnsafeMutableBufferPointer<Float>?, scale: Double) -> Double {
        var kl = 0.0
        for v in 0..<probs.count {
            let q = Double(refProbs[v])
            if q > 0 { kl += q * (log(q) - log(max(Double(probs[v]), 1e-30))) }
            if let dLogits { dLogits[v] += Float(scale * (Double(probs[v]) - q)) }
        }
        return kl
    }

    /// The gradient of the entropy H = −Σ p log p with respect to the logits, −p_v·(log p_v + H),
    /// scaled by `scale`, added into `dLogits`.
    public static func entropyGradient(probs: UnsafeBufferPointer<Float>, entropy h: Double,
                                       into dLogits: UnsafeMutableBufferPointer<Float>, scale: Double) {
        for v in 0..<probs.count {
            let p = Double(probs[v])
            if p > 0 { dLogits[v] += Float(scale * (-p * (log(p) + h))) }
        }
    }

    /// PPO's clipped value loss for one token, ½·max((V − R)², (clip(V, V_old ± c) − R)²), its
    /// derivative with respect to V, and whether the clipped term was the larger.
    public static func valueLoss(value v: Double, oldValue: Double, target r: Double, clip c: Double) -> (loss: Double, dValue: Double, clipped: Bool) {
        let vc = min(max(v, oldValue - c), oldValue + c)
        let a = (v - r) * (v - r), b = (vc - r) * (vc - r)
        // The clipped term can only be the larger when V is outside V_old ± c, where clip(V) is
        // constant: no gradient.
        if b > a { return (0.5 * b, 0, true) }
        return (0.5 * a, v - r, false)
    }

    /// The k3 estimator of KL(π_θ ‖ π_ref) for one token, π_ref/π_θ − log(π_ref/π_θ) − 1 (never
    /// negative), and its derivative with respect to log π_θ: 1 − π_ref/π_θ.
    public static func k3(logProb: Double, refLogProb: Double) -> (value: Double, dLogProb: Double) {
        let d = refLogProb - logProb
        let r = exp(d)
        return (r - d - 1, 1 - r)
    }
}

/// Which estimate of the KL to the reference a penalty uses.
public enum KLEstimator: String, Codable, Sendable, CaseIterable {
    /// log π_θ − log π_ref at the sampled token (classic RLHF-PPO's per-token reward penalty).
    case k1
    /// π_ref/π_θ − log(π_ref/π_θ) − 1 at the sampled token (GRPO's; never negative).
    case k3
    /// Σ_v p_ref(v)·(log p_ref(v) − log p_θ(v)) over the whole vocabulary: exact, no sampling
    /// noise. This is KL(π_ref ‖ π_θ), the KL whose gradient k3's gradient follows in expectation
    /// (E_π[(1 − π_ref/π_θ)∇log π_θ] = ∇KL(π_ref ‖ π_θ)); k1 and k3's values estimate KL(π_θ ‖ π_ref).
    case full
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
