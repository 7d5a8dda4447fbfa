// GRPO (DeepSeekMath): no critic; each response's advantage is its reward against its group's
// mean (and spread), Â_i = (r_i − mean)/(std + ε); the clipped surrogate (or GSPO's sequence
// ratio, or CISPO) plus β·KL to the reference, over μ passes in mini-batches, with AdamW.
// Letters: P prompts per step, G responses per prompt, N = P·G sequences.
import Foundation
import GPT
import Tasks

/// GRPO's own parameters (what every run has is in `TrainingParameters`).
public struct GRPOParameters: Codable, Equatable, Sendable {
    /// β: coefficient of the KL to the frozen base model; at 0 the reference is never evaluated.
    public var beta: Double = 0
    /// How the KL is estimated (k3, GRPO's, by default).
    public var klEstimator: KLEstimator = .k3
    /// Target KL of PPO's adaptive coefficient (0: β stays fixed).
    public var klTarget: Double = 0
    /// Coefficient of the entropy bonus (0: none).
    public var entropyCoef: Double = 0
    /// ε_low: the ratio is clipped below at 1 − ε_low.
    public var epsilonLow: Double = 0.2
    /// ε_high: the ratio is clipped above at 1 + ε_high (DAPO's clip-higher uses 0.28).
    public var epsilonHigh: Double = 0.2
    /// μ: optimisation passes over each batch (1: strictly on-policy, the ratio is 1).
    public var iterations = 1
    /// Optimizer steps per pass: the batch is split into this many mini-batches.
    public var miniBatches = 1
    /// How per-token losses are aggregated.
    public var loss: LossAggregation = .dapo
    /// The policy term: PPO's token clip, GSPO's sequence ratio, or CISPO.
    public var policyLoss: PolicyLossKind = .clip
    /// How rewards become advantages.
    public var scaleRewards: RewardScaling = .group
    /// Leave truncated responses out of the loss (DAPO's overlong filtering).
    public var maskTruncated = false
    /// Leave groups whose rewards are all equal out of the loss and its normalisers (DAPO's
    /// dynamic sampling, without resampling).
    public var skipZeroVarianceGroups = false
    /// Baseline the tokens from a response's first failed check on against the responses of its
    /// group whose checks also failed, where those scored differently
    /// (`GroupStatistics.afterFailedCheck`), so that a retry is weighed against answering anyway
    /// from the same kind of state, and not pushed down with the slip before it. Off: every
    /// token of a response has the response's advantage (as its saved trace shows either way).
    public var checkBaseline = false

    public init() {}

    public func validate(_ t: TrainingParameters) throws(ParameterError) {
        try validateRegularization(beta: beta, klTarget: klTarget, entropyCoef: entropyCoef)
        try validateClipAndPasses(epsilonLow: epsilonLow, epsilonHigh: epsilonHigh, iterations: iterations, miniBatches: miniBatches, t)
    }

    var objective: PolicyObjective {
        PolicyObjective(surrogate: Surrogate(policyLoss), epsilonLow: epsilonLow, epsilonHigh: epsilonHigh,
                        beta: beta, kl: klEstimator, entropyCoef: entropyCoef)
    }
}

/// The checks of the ratio clip and the passes GRPO and PPO share.
func validateClipAndPasses(epsilonLow: Double, epsilonHigh: Double, iterations: Int, miniBatches: Int,
                           _ t: TrainingParameters) throws(ParameterError) {
    typealias E = ParameterError
    try E.check(epsilonLow >= 0 && epsilonLow < 1, flag: "--epsilon-low", field: "epsilonLow", "must be in [0, 1)", got: epsilonLow)
    try E.check(epsilonHigh >= 0 && epsilonHigh.isFinite, flag: "--epsilon-high", field: "epsilonHigh", "must be 0 or more", got: epsilonHigh)
    try E.check(iterations >= 1, flag: "--iterations", field: "iterations", "must be at least 1", got: iterations)
    try E.check(miniBatches >= 1 && miniBatches <= t.batchSize, flag: "--mini-batches", field: "miniBatches",
                "must be between 1 and prompts per step × group size (\(t.batchSize))", got: miniBatches)
}

/// The checks of the KL penalty and entropy bonus every gradient algorithm shares.
func validateRegularization(beta: Double, klTarget: Double, entropyCoef: Double) throws(ParameterError) {
    try ParameterError.check(beta >= 0 && beta.isFinite, flag: "--beta", field: "beta", "must be 0 (no KL, no reference) or more", got: beta)
    try ParameterError.check(klTarget >= 0 && klTarget.isFinite, flag: "--kl-target", field: "klTarget", "must be 0 (fixed β) or more", got: klTarget)
    if klTarget > 0 {
        try ParameterError.check(beta > 0, flag: "--beta", field: "beta", "must be positive for the adaptive coefficient to adapt (--kl-target)", got: beta)
    }
    try ParameterError.check(entropyCoef.isFinite, flag: "--entropy-coef", field: "entropyCoef", "must be a finite number", got: entropyCoef)
}

final class GRPO: GradientLearner, Algorithm {
    let p: GRPOParameters

    init(_ p: GRPOParameters, _ setup: AlgorithmSetup) throws {
        self.p = p
        super.init(setup, beta: p.beta, klTarget: p.klTarget)
    }

    /// Runs μ passes of mini-batch updates. Throws `TrainingError.nonFiniteLoss` before applying
    /// an update whose loss or gradient is not finite, so the weights stay the last good ones.
    func update(_ batch: RolloutBatch, context: UpdateContext) throws -> UpdateResult {
        let statistics = GroupStatistics(batch.rewards, scaling: p.scaleRewards)
        let adv = statistics.advantages.flatMap { $0 }
        let seqs = batch.sequences
        let afterCheck = p.checkBaseline ? statistics.afterFailedCheck(batch.groups.map { $0.map { $0.failedCheckEnd != nil } }).flatMap { $0 } : nil
        func advantage(_ s: Int, _ k: Int) -> Double {
            if let a = afterCheck?[s], let cut = seqs[s].failedCheckEnd, k >= cut { return a }
            return adv[s]
        }
        let included = seqs.indices.map { s in
            !(p.maskTruncated && seqs[s].truncated) && !(p.skipZeroVarianceGroups && statistics.zeroStd[batch.groupOf[s]])
        }
        var objective = p.objective
        objective.beta = klControl.beta
        let layout = layout(batch)
        // π_old: when the batch is used more than once, its log-probs before any update; with one
        // pass in one mini-batch, the current log-probs themselves (ratio exactly 1).
        let onPolicy = p.iterations == 1 && p.miniBatches == 1
        let old = onPolicy ? nil : ResponseOutputs(model, layout).logProbs
        let ref = reference.map { ResponseOutputs($0, layout, probs: objective.needsReferenceProbs) }

        var result = UpdateResult()
        var tally = PolicyObjective.Tally()
        var lossSum = 0.0, batches = 0
        var order = Array(seqs.indices)
        let miniSize = (seqs.count + p.miniBatches - 1) / p.miniBatches
        for pass in 0..<p.iterations {
            if p.miniBatches > 1 {
                // Mini-batches mix groups, in an order drawn from (seed, step, pass).
                var rng = GPTRandom(seed: training.seed, derive: UInt64(context.step), UInt64(pass), 0x4D42)
                order.shuffle(using: &rng)
            }
            for mb in stride(from: 0, to: order.count, by: miniSize) {
                let members = Array(order[mb..<min(order.count, mb + miniSize)])
                let weights = p.loss.tokenWeights(lengths: members.map { seqs[$0].response.count },
                                                  included: members.map { included[$0] }, maxLength: training.maxResponseLength)
                var weightOf = [Int: Double]()
                for (i, s) in members.enumerated() { weightOf[s] = weights[i] }
                model.zeroGrad()
                let mbLoss = GradientPass.accumulate(model, layout, members, needs: objective.needs) { v, g in
                    objective.loss(v, weight: weightOf[v.s]!, advantage: { advantage(v.s, $0) }, old: old?[v.s],
                                   refLogProbs: ref?.logProbs[v.s], refProbs: ref?.probs[v.s], into: &g, tally: &tally)
                }
                let norm = gradientNorm(model.grads)
                guard mbLoss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: context.step) }
                adam.update(model, learningRate: context.learningRate, gradientNorm: norm)
                result.gradNorm = Double(norm)
                lossSum += mbLoss
                batches += 1
            }
        }
        tally.sum(over: comm)
        result.loss = lossSum / Double(batches)
        result.clipRatio = tally.tokens > 0 ? Double(tally.clipped) / Double(tally.tokens) : 0
        result.sequencesUsed = included.filter { $0 }.count
        result.advantages = statistics.advantages
        if let afterCheck {
            // Responses whose tokens after a failed check were weighed against their peers'
            // (their group's failed responses scored differently).
            result.metrics.append(("grpo/check_baselined", .int(afterCheck.indices.filter { afterCheck[$0] != nil && included[$0] }.count)))
        }
        finish(&result, tally)
        return result
    }
}
