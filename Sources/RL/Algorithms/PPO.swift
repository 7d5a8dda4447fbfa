// PPO with a critic (Schulman et al. 2017, as RLHF and Open-Reasoner-Zero run it): per-token
// advantages by GAE(γ, λ) from a learnt value model, whitened over the batch; the clipped
// surrogate for the policy and the clipped value loss for the critic, each with its own AdamW;
// the KL to the reference either as a per-token penalty in the reward (classic RLHF-PPO, k1) or
// as a term of the loss.
// Letters: N sequences, L a response's length.
import Foundation
import GPT
import Tasks

public enum KLPlacement: String, Codable, Sendable, CaseIterable {
    /// r_t −= β·KL_t before GAE (InstructGPT, verl's default for PPO).
    case reward
    /// + β·KL_t in the policy loss, as GRPO does.
    case loss
}

public struct PPOParameters: Codable, Equatable, Sendable {
    /// β: coefficient of the KL to the frozen base model (0: no reference).
    public var beta: Double = 0
    /// Where the KL goes: into the per-token reward or into the loss.
    public var klIn: KLPlacement = .reward
    /// How the KL is estimated (k1, the reward penalty's classic form, by default).
    public var klEstimator: KLEstimator = .k1
    /// Target KL of the adaptive coefficient (0: β stays fixed).
    public var klTarget: Double = 0
    public var entropyCoef: Double = 0
    public var epsilonLow: Double = 0.2
    public var epsilonHigh: Double = 0.2
    /// μ: passes over each batch.
    public var iterations = 1
    /// Optimizer steps per pass.
    public var miniBatches = 1
    /// How the policy's per-token losses are aggregated.
    public var loss: LossAggregation = .dapo
    public var maskTruncated = false
    public var critic = CriticParameters()

    public init() {}

    public func validate(_ t: TrainingParameters) throws(ParameterError) {
        try validateRegularization(beta: beta, klTarget: klTarget, entropyCoef: entropyCoef)
        try validateClipAndPasses(epsilonLow: epsilonLow, epsilonHigh: epsilonHigh, iterations: iterations, miniBatches: miniBatches, t)
        try critic.validate()
    }
}

/// The per-token KL of the step's π_old to the reference, for the reward penalty.
func tokenKL(_ estimator: KLEstimator, old: ResponseOutputs, ref: ResponseOutputs, s: Int) -> [Double] {
    let L = old.logProbs[s].count
    switch estimator {
    case .k1: return (0..<L).map { PolicyLoss.k1(logProb: Double(old.logProbs[s][$0]), refLogProb: Double(ref.logProbs[s][$0])).value }
    case .k3: return (0..<L).map { PolicyLoss.k3(logProb: Double(old.logProbs[s][$0]), refLogProb: Double(ref.logProbs[s][$0])).value }
    case .full:
        let V = old.probs[s].count / max(1, L)
        return old.probs[s].withUnsafeBufferPointer { p in
            ref.probs[s].withUnsafeBufferPointer { q in
                (0..<L).map { k in
                    // KL(π_ref ‖ π_old) at the position, the same direction as the loss's exact KL.
                    PolicyLoss.exactKL(probs: UnsafeBufferPointer(rebasing: p[(k * V)..<((k + 1) * V)]),
                                       refProbs: UnsafeBufferPointer(rebasing: q[(k * V)..<((k + 1) * V)]), dLogits: nil, scale: 0)
                }
            }
        }
    }
}

final class PPO: GradientLearner, Algorithm {
    let p: PPOParameters
    let critic: Critic

    override var footprint: Footprint { super.footprint + critic.footprint }

    init(_ p: PPOParameters, _ setup: AlgorithmSetup) throws {
        self.p = p
        critic = try Critic(p.critic, setup)
        super.init(setup, beta: p.beta, klTarget: p.klTarget)
    }

    func checkpointFiles() throws -> [String: Data] { critic.files() }
    override func restore(from directory: String, extras: [String: String]) throws {
        try critic.restore(from: directory)
        try super.restore(from: directory, extras: extras)
    }

    func update(_ batch: RolloutBatch, context: UpdateContext) throws -> UpdateResult {
        let seqs = batch.sequences
        let layout = layout(batch)
        let included = seqs.map { !(p.maskTruncated && $0.truncated) }
        let beta = klControl.beta
        let klInReward = p.klIn == .reward && reference != nil
        var objective = PolicyObjective(surrogate: .clip, epsilonLow: p.epsilonLow, epsilonHigh: p.epsilonHigh,
                                        beta: klInReward ? 0 : beta, kl: p.klEstimator, entropyCoef: p.entropyCoef)
        if reference == nil { objective.beta = 0 }
        let onPolicy = p.iterations == 1 && p.miniBatches == 1
        let old = (!onPolicy || klInReward) ? ResponseOutputs(model, layout, probs: klInReward && p.klEstimator == .full) : nil
        let ref = reference.map { ResponseOutputs($0, layout, probs: p.klEstimator == .full) }

        // Rewards per token → GAE advantages and critic targets from the critic's values.
        var rewards = GAEEstimate.terminalRewards(batch)
        var rewardKL = 0.0, klTokens = 0
        if klInReward, let old, let ref {
            for s in seqs.indices {
                let kl = tokenKL(p.klEstimator, old: old, ref: ref, s: s)
                for k in kl.indices { rewards[s][k] -= beta * kl[k] }
                rewardKL += kl.reduce(0, +)
                klTokens += kl.count
            }
        }
        // V_old. On an on-policy step whose critic targets do not depend on V, the separate critic
        // reads its values and takes its step in one pass (the same numbers as two passes).
        let fused = onPolicy && !critic.shared && GAEEstimate.targetsIgnoreValues(p.critic)
        var oldValues: [[Double]]
        var fusedCritic: (loss: Double, clipFrac: Double, gradNorm: Double)? = nil
        if fused {
            let kept = seqs.indices.filter { included[$0] }, rest = seqs.indices.filter { !included[$0] }
            // Masked sequences still need values (for the advantages saved with their traces), read
            // before the critic steps, as in two passes.
            let masked = rest.isEmpty ? [] : critic.values(layout, rest)
            let targets = rewards.map { GAEEstimate.rewardToGo($0, gamma: p.critic.gamma) }
            let c = try critic.update(layout, kept, targets: targets, oldValues: nil, learningRate: p.critic.learningRate, step: context.step)
            fusedCritic = (c.loss, c.clipFrac, c.gradNorm)
            oldValues = c.values
            for s in rest { oldValues[s] = masked[s] }
        } else {
            oldValues = critic.values(layout, Array(seqs.indices))
        }
        let gae = GAEEstimate(tokenRewards: rewards, values: oldValues, included: included, p.critic)

        var result = UpdateResult()
        result.metrics = gae.metrics
        var tally = PolicyObjective.Tally()
        var lossSum = 0.0, vfLoss = 0.0, vfClip = 0.0, criticNorm = 0.0, batches = 0
        let trainActor = context.step > p.critic.warmupSteps
        var order = Array(seqs.indices)
        let miniSize = (seqs.count + p.miniBatches - 1) / p.miniBatches
        for pass in 0..<p.iterations {
            if p.miniBatches > 1 {
                var rng = GPTRandom(seed: training.seed, derive: UInt64(context.step), UInt64(pass), 0x4D42)
                order.shuffle(using: &rng)
            }
            for mb in stride(from: 0, to: order.count, by: miniSize) {
                let members = Array(order[mb..<min(order.count, mb + miniSize)])
                let kept = members.filter { included[$0] }
                let valueScale = 1 / Double(max(1, kept.reduce(0) { $0 + seqs[$1].response.count }))
                if trainActor {
                    let weights = p.loss.tokenWeights(lengths: members.map { seqs[$0].response.count },
                                                      included: members.map { included[$0] }, maxLength: training.maxResponseLength)
                    var weightOf = [Int: Double]()
                    for (i, s) in members.enumerated() { weightOf[s] = weights[i] }
                    model.zeroGrad()
                    if critic.shared { critic.head.zeroGrad() }
                    var needs = objective.needs
                    if critic.shared { needs.insert(.hidden) }
                    var clipped = 0, valueLoss = 0.0
                    let mbLoss = GradientPass.accumulate(model, layout, members, needs: needs) { v, g in
                        var l = objective.loss(v, weight: weightOf[v.s]!, advantage: { gae.advantages[v.s][$0] }, old: old?.logProbs[v.s],
                                               refLogProbs: ref?.logProbs[v.s], refProbs: ref?.probs[v.s], into: &g, tally: &tally)
                        if critic.shared && included[v.s] {
                            // The value loss through the same trunk, weighted by the value coefficient.
                            let t = critic.valueTerm(v, targets: gae.returns[v.s], oldValues: oldValues[v.s],
                                                     scale: valueScale * p.critic.valueCoef)
                            g.dHidden = t.dHidden
                            l += t.loss
                            valueLoss += t.loss / p.critic.valueCoef
                            clipped += t.clipped
                        }
                        return l
                    }
                    if critic.shared && comm.size > 1 {
                        // The head's gradient and the value tallies of every rank (the trunk's was summed by the pass).
                        comm.sum(critic.head.grads)
                        var v = [valueLoss, Double(clipped)]
                        comm.sum(&v)
                        (valueLoss, clipped) = (v[0], Int(v[1]))
                    }
                    var norm = gradientNorm(model.grads)
                    if critic.shared {
                        norm = Float((pow(Double(norm), 2) + pow(Double(gradientNorm(critic.head.grads)), 2)).squareRoot())
                    }
                    guard mbLoss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: context.step) }
                    adam.update(model, learningRate: context.learningRate, gradientNorm: norm)
                    result.gradNorm = Double(norm)
                    lossSum += mbLoss
                    if critic.shared {
                        critic.headAdam.update(params: critic.head.params, grads: critic.head.grads,
                                               learningRate: p.critic.learningRate, gradientNorm: norm)
                        vfLoss += valueLoss
                        vfClip += Double(clipped) * valueScale
                        criticNorm = Double(norm)
                    }
                }
                if let f = fusedCritic {
                    (vfLoss, vfClip, criticNorm) = f
                } else if !critic.shared || !trainActor {
                    let c = try critic.update(layout, kept, targets: gae.returns, oldValues: oldValues,
                                              learningRate: p.critic.learningRate, step: context.step)
                    vfLoss += c.loss
                    vfClip += c.clipFrac
                    criticNorm = c.gradNorm
                }
                batches += 1
            }
        }
        tally.sum(over: comm)
        result.loss = trainActor ? lossSum / Double(batches) : 0
        result.clipRatio = tally.tokens > 0 ? Double(tally.clipped) / Double(tally.tokens) : 0
        result.sequencesUsed = included.filter { $0 }.count
        result.advantages = batch.grouped(gae.advantages.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) })
        result.metrics += [("critic/vf_loss", .double(vfLoss / Double(batches))),
                           ("critic/vf_clipfrac", .double(vfClip / Double(batches))),
                           ("critic/grad_norm", .double(criticNorm))]
        // With the KL in the reward, the logged KL is the penalty's mean per token.
        finish(&result, tally, kl: klInReward ? (klTokens > 0 ? rewardKL / Double(klTokens) : 0) : nil)
        return result
    }
}
