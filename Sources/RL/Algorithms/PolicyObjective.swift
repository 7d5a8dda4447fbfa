// The per-token policy objective the gradient algorithms share: a surrogate (PPO's clip, GSPO's
// sequence ratio, CISPO, or plain REINFORCE), an optional KL penalty to the reference (k1, k3 or
// exact over the vocabulary, with PPO's adaptive coefficient), and an entropy bonus.
// Letters: L a response's length, V vocabulary, ρ = π_θ/π_old.
import Foundation
import GPT

/// How the policy term treats the importance ratio (TRL's `importance_sampling_level` and loss types).
public enum PolicyLossKind: String, Codable, Sendable, CaseIterable {
    /// −min(ρÂ, clip(ρ)Â) per token (PPO, GRPO).
    case clip
    /// GSPO: one ratio per sequence, exp(mean of the token log-ratios), clipped like PPO's.
    case gspo
    /// CISPO: −sg(clip(ρ))·Â·log π per token, so clipped tokens keep their gradient.
    case cispo
}

/// The surrogate of one objective (REINFORCE's is internal: no ratio at all).
enum Surrogate: Equatable {
    case clip, gspo, cispo, reinforce
    init(_ kind: PolicyLossKind) {
        switch kind {
        case .clip: self = .clip
        case .gspo: self = .gspo
        case .cispo: self = .cispo
        }
    }
}

/// PPO's adaptive KL coefficient (Schulman et al. 2017, §4): after each step β doubles when the
/// measured KL exceeded 1.5 × target and halves when it fell below target / 1.5.
struct AdaptiveKL {
    var beta: Double
    let target: Double?

    mutating func update(measured kl: Double?) {
        guard let target, let kl else { return }
        if kl > 1.5 * target { beta *= 2 } else if kl < target / 1.5 { beta /= 2 }
    }

    /// β as meta.json keeps it: the exact bits, so a resumed run continues with the same value.
    var extras: [String: String] { target == nil ? [:] : ["kl_coef": String(beta.bitPattern, radix: 16)] }

    mutating func restore(_ extras: [String: String]) {
        if target != nil, let s = extras["kl_coef"], let bits = UInt64(s, radix: 16) { beta = Double(bitPattern: bits) }
    }
}

struct PolicyObjective {
    var surrogate: Surrogate
    var epsilonLow = 0.2, epsilonHigh = 0.2
    /// KL coefficient β (0: no reference term) and its estimator.
    var beta = 0.0
    var kl: KLEstimator = .k3
    /// Coefficient of the entropy bonus (the loss subtracts coef × entropy).
    var entropyCoef = 0.0

    /// What the pass must read from the model.
    var needs: Needs {
        var n: Needs = .logProbs
        if (beta > 0 && kl == .full) || entropyCoef != 0 { n.insert(.probs) }
        return n
    }
    /// Whether the reference's whole distribution is needed (the exact KL).
    var needsReferenceProbs: Bool { beta > 0 && kl == .full }

    /// Counts over the tokens the objective saw.
    struct Tally {
        var tokens = 0, clipped = 0
        var klSum = 0.0, entropySum = 0.0

        /// The counts of every rank's tokens.
        mutating func sum(over comm: any Communicator) {
            guard comm.size > 1 else { return }
            var v = [Double(tokens), Double(clipped), klSum, entropySum]
            comm.sum(&v)
            (tokens, clipped, klSum, entropySum) = (Int(v[0]), Int(v[1]), v[2], v[3])
        }
    }

    /// Σ_k weight·ℓ_k of one response, with ℓ_k the surrogate at advantage `advantage(k)` plus
    /// β·KL minus the entropy bonus; fills `g` with the derivatives. `old` are π_old's log-probs
    /// (nil: on-policy, ρ = 1), `refLogProbs` / `refProbs` the reference's (for β > 0).
    func loss(_ v: ResponseView, weight w: Double, advantage: (Int) -> Double, old: [Float]?,
              refLogProbs: [Float]?, refProbs: [Float]?, into g: inout ResponseGradient, tally: inout Tally) -> Double {
        let L = v.count
        var total = 0.0
        // The policy term.
        switch surrogate {
        case .gspo:
            var logRatio = 0.0
            for k in 0..<L { logRatio += Double(v.logProbs[k]) - (old.map { Double($0[k]) } ?? Double(v.logProbs[k])) }
            let s = exp(logRatio / Double(max(1, L)))
            var unclippedA = 0.0
            for k in 0..<L {
                let a = advantage(k)
                let unclipped = s * a, clippedTerm = min(max(s, 1 - epsilonLow), 1 + epsilonHigh) * a
                if clippedTerm < unclipped { total += w * -clippedTerm; tally.clipped += 1 } else { total += w * -unclipped; unclippedA += a }
            }
            // dρ_seq/d log π_k = ρ_seq / L for every token k.
            let d = -w * s * unclippedA / Double(max(1, L))
            for k in 0..<L { g.dLogProbs[k] = Float(d) }
        case .clip, .cispo, .reinforce:
            for k in 0..<L {
                let cur = Double(v.logProbs[k]), a = advantage(k)
                let oldLP = old.map { Double($0[k]) } ?? cur
                let term: (loss: Double, dLogProb: Double, clipped: Bool)
                switch surrogate {
                case .clip: term = PolicyLoss.clipped(logProb: cur, oldLogProb: oldLP, advantage: a, epsilonLow: epsilonLow, epsilonHigh: epsilonHigh)
                case .cispo: term = PolicyLoss.cispo(logProb: cur, oldLogProb: oldLP, advantage: a, epsilonLow: epsilonLow, epsilonHigh: epsilonHigh)
                default: let r = PolicyLoss.reinforce(logProb: cur, advantage: a); term = (r.loss, r.dLogProb, false)
                }
                total += w * term.loss
                g.dLogProbs[k] = Float(w * term.dLogProb)
                if term.clipped { tally.clipped += 1 }
            }
        }
        // The KL to the reference and the entropy bonus.
        let V = v.probs.isEmpty ? 0 : v.probs.count / max(1, L)
        if needs.contains(.probs) { g.dLogits = [Float](repeating: 0, count: L * V) }
        for k in 0..<L {
            tally.tokens += 1
            tally.entropySum += Double(v.entropies[k])
            if beta > 0 {
                let value: Double
                switch kl {
                case .k1:
                    // k1's own derivative (1) has zero mean on-policy, E_π[∇log π] = 0, so as a
                    // loss term it would pull nowhere: use the score-function gradient of E_π[k1],
                    // (log π_θ − log π_ref)·∇log π_θ, the KL's gradient.
                    let cur = Double(v.logProbs[k]), ref = Double(refLogProbs![k])
                    value = PolicyLoss.k1(logProb: cur, refLogProb: ref).value
                    g.dLogProbs[k] += Float(w * beta * value)
                case .k3:
                    let t = PolicyLoss.k3(logProb: Double(v.logProbs[k]), refLogProb: Double(refLogProbs![k]))
                    value = t.value
                    g.dLogProbs[k] += Float(w * beta * t.dLogProb)
                case .full:
                    value = v.probs.withUnsafeBufferPointer { p in
                        refProbs!.withUnsafeBufferPointer { q in
                            g.dLogits!.withUnsafeMutableBufferPointer { d in
                                PolicyLoss.exactKL(probs: UnsafeBufferPointer(rebasing: p[(k * V)..<((k + 1) * V)]),
                                                   refProbs: UnsafeBufferPointer(rebasing: q[(k * V)..<((k + 1) * V)]),
                                                   dLogits: UnsafeMutableBufferPointer(rebasing: d[(k * V)..<((k + 1) * V)]), scale: w * beta)
                            }
                        }
                    }
                }
                total += w * beta * value
                tally.klSum += value
            }
            if entropyCoef != 0 {
                let h = Double(v.entropies[k])
                total -= w * entropyCoef * h
                v.probs.withUnsafeBufferPointer { p in
                    g.dLogits!.withUnsafeMutableBufferPointer { d in
                        PolicyLoss.entropyGradient(probs: UnsafeBufferPointer(rebasing: p[(k * V)..<((k + 1) * V)]), entropy: h,
                                                   into: UnsafeMutableBufferPointer(rebasing: d[(k * V)..<((k + 1) * V)]), scale: -w * entropyCoef)
                    }
                }
            }
        }
        return total
    }
}

/// What the gradient algorithms (GRPO, REINFORCE/RLOO, PPO) share: the policy and its AdamW, the
/// frozen reference when β > 0, the KL coefficient (adaptive or not), and the step's closing figures.
class GradientLearner {
    let model: GPTModel
    let reference: GPTModel?
    let adam: AdamW
    let training: TrainingParameters
    let padID: Int
    let comm: any Communicator
    var klControl: AdaptiveKL

    init(_ setup: AlgorithmSetup, beta: Double, klTarget: Double) {
        precondition(beta == 0 || setup.reference != nil, "β > 0 needs a reference model")
        model = setup.policy
        reference = beta > 0 ? setup.reference : nil
        adam = policyAdam(setup)
        training = setup.training
        padID = setup.padID
        comm = setup.comm
        klControl = AdaptiveKL(beta: beta, target: klTarget > 0 ? klTarget : nil)
    }

    var policyOptimizer: AdamW? { adam }
    var footprint: Footprint { .model(model, adam: adam) + Footprint(parameters: reference.map { $0.parameterCount * 4 } ?? 0) }
    func checkpointExtras() -> [String: String] { klControl.extras }
    func restore(from directory: String, extras: [String: String]) throws { klControl.restore(extras) }

    func layout(_ batch: RolloutBatch) -> SequenceLayout {
        SequenceLayout(batch, padID: padID, chunkSize: training.chunkSize, comm: comm)
    }

    /// Fills the result's entropy and KL from the tokens the objective saw (`kl` overrides the
    /// tally's, for a KL measured elsewhere), and adapts β once per step on that KL.
    func finish(_ result: inout UpdateResult, _ tally: PolicyObjective.Tally, kl: Double? = nil) {
        result.entropy = tally.tokens > 0 ? tally.entropySum / Double(tally.tokens) : 0
        if reference != nil { result.kl = kl ?? (tally.tokens > 0 ? tally.klSum / Double(tally.tokens) : 0) }
        if klControl.target != nil {
            result.metrics.append(("kl_coef", .double(klControl.beta)))
            klControl.update(measured: result.kl)
        }
    }
}

/// Log-probs (and, when asked, whole distributions) of every sequence's response under a model,
/// without gradients: π_old before an update, or the frozen reference. Every rank gets every
/// sequence's, the ranks each computing their shard's.
struct ResponseOutputs {
    var logProbs: [[Float]]
    var probs: [[Float]]

    init(_ model: GPTModel, _ layout: SequenceLayout, probs withProbs: Bool = false) {
        let n = layout.sequences.count
        var lps = [[Float]](repeating: [], count: n), ps = [[Float]](repeating: [], count: n)
        GradientPass.forEach(model, layout, Array(0..<n), needs: withProbs ? [.logProbs, .probs] : .logProbs) { v in
            lps[v.s] = v.logProbs
            if withProbs { ps[v.s] = v.probs }
        }
        let L = { (s: Int) in layout.sequences[s].response.count }, V = model.config.vocabSize
        layout.comm.complete(&lps, mine: layout.mine, count: L)
        if withProbs { layout.comm.complete(&ps, mine: layout.mine) { L($0) * V } }
        logProbs = lps
        probs = ps
    }
}
