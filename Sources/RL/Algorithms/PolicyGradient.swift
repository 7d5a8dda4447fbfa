// REINFORCE and RLOO: the policy gradient with a baseline and nothing else: no ratio, no clip,
// one AdamW step per batch. REINFORCE's baseline is the group's mean reward; RLOO's (Kool et al.
// 2019; Ahmadian et al. 2024) the mean of the other G − 1 rewards, which keeps each baseline
// independent of its own sample.
import Foundation
import GPT
import Tasks

/// The parameters of `reinforce` and `rloo`.
public struct PolicyGradientParameters: Codable, Equatable, Sendable {
    /// β: coefficient of the KL to the frozen base model (0: no reference).
    public var beta: Double = 0
    public var klEstimator: KLEstimator = .k3
    /// Target KL of the adaptive coefficient (0: β stays fixed).
    public var klTarget: Double = 0
    public var entropyCoef: Double = 0
    /// How per-token losses are aggregated.
    public var loss: LossAggregation = .dapo
    /// Leave truncated responses out of the loss.
    public var maskTruncated = false

    public init() {}

    public func validate(_ t: TrainingParameters) throws(ParameterError) {
        try validateRegularization(beta: beta, klTarget: klTarget, entropyCoef: entropyCoef)
    }
}

final class PolicyGradient: GradientLearner, Algorithm {
    enum Baseline { case groupMean, leaveOneOut }
    let p: PolicyGradientParameters
    let baseline: Baseline

    init(_ p: PolicyGradientParameters, baseline: Baseline, _ setup: AlgorithmSetup) throws {
        self.p = p
        self.baseline = baseline
        super.init(setup, beta: p.beta, klTarget: p.klTarget)
    }

    func update(_ batch: RolloutBatch, context: UpdateContext) throws -> UpdateResult {
        let advantages = baseline == .groupMean ? Advantages.groupMean(batch.rewards) : Advantages.leaveOneOut(batch.rewards)
        let adv = advantages.flatMap { $0 }
        let seqs = batch.sequences
        let included = seqs.map { !(p.maskTruncated && $0.truncated) }
        let objective = PolicyObjective(surrogate: .reinforce, beta: klControl.beta, kl: p.klEstimator, entropyCoef: p.entropyCoef)
        let layout = layout(batch)
        let ref = reference.map { ResponseOutputs($0, layout, probs: objective.needsReferenceProbs) }
        let weights = p.loss.tokenWeights(lengths: seqs.map(\.response.count), included: included, maxLength: training.maxResponseLength)

        var tally = PolicyObjective.Tally()
        model.zeroGrad()
        let loss = GradientPass.accumulate(model, layout, Array(seqs.indices), needs: objective.needs) { v, g in
            objective.loss(v, weight: weights[v.s], advantage: { _ in adv[v.s] }, old: nil,
                           refLogProbs: ref?.logProbs[v.s], refProbs: ref?.probs[v.s], into: &g, tally: &tally)
        }
        tally.sum(over: comm)
        let norm = gradientNorm(model.grads)
        guard loss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: context.step) }
        adam.update(model, learningRate: context.learningRate, gradientNorm: norm)

        var result = UpdateResult()
        result.loss = loss
        result.gradNorm = Double(norm)
        result.sequencesUsed = included.filter { $0 }.count
        result.advantages = advantages
        finish(&result, tally)
        return result
    }
}
