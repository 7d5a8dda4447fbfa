// The critic of PPO (and of TRPO with GAE advantages): a value model V(s_t), one value per
// response token, trained on GAE returns with PPO's clipped value loss. `separate` is a second GPT
// of the policy's size, initialised from the base checkpoint, with a fresh scalar head on its final
// hidden state (verl's and OpenRLHF's critic); `shared` puts the head on the policy's own trunk,
// the memory-saving form, trained jointly through a value-loss coefficient.
// Letters: L a response's length, C channels.
import Foundation
import GPT
import Tasks

public enum CriticPlacement: String, Codable, Sendable, CaseIterable {
    case separate, shared
}

/// The critic's and GAE's parameters.
public struct CriticParameters: Codable, Equatable, Sendable {
    /// A second GPT (`separate`, as verl and OpenRLHF) or a head on the policy's trunk (`shared`).
    public var placement: CriticPlacement = .separate
    /// γ: discount (1: the reward at the end counts fully at every token, Open-Reasoner-Zero).
    public var gamma = 1.0
    /// λ of the policy's GAE advantages (1: Monte-Carlo returns minus V, Open-Reasoner-Zero).
    public var lambda = 1.0
    /// λ of the critic's targets (VC-PPO's decoupled GAE: 1 keeps the value targets unbiased
    /// even when the policy's λ is lower).
    public var criticLambda = 1.0
    /// Whiten the advantages over the batch's tokens.
    public var whitenAdvantages = true
    /// c of the clipped value loss ½·max((V−R)², (clip(V, V_old ± c) − R)²).
    public var valueClip = 0.2
    /// The critic's AdamW learning rate: above the actor's, as verl and OpenRLHF set it, so the
    /// baseline keeps up with a moving policy.
    public var learningRate: Float = 1e-4
    /// Steps at the start that train only the critic (the policy is left unchanged).
    public var warmupSteps = 0
    /// Coefficient of the value loss when the head shares the policy's trunk.
    public var valueCoef = 0.5

    public init() {}

    func validate(flagPrefix: String = "") throws(ParameterError) {
        typealias E = ParameterError
        try E.check(gamma >= 0 && gamma <= 1, flag: "--gamma", field: "critic.gamma", "must be in [0, 1]", got: gamma)
        try E.check(lambda >= 0 && lambda <= 1, flag: "--lambda", field: "critic.lambda", "must be in [0, 1]", got: lambda)
        try E.check(criticLambda >= 0 && criticLambda <= 1, flag: "--critic-lambda", field: "critic.criticLambda", "must be in [0, 1]", got: criticLambda)
        try E.check(valueClip > 0 && valueClip.isFinite, flag: "--value-clip", field: "critic.valueClip", "must be positive", got: valueClip)
        try E.check(learningRate > 0 && learningRate.isFinite, flag: "--critic-lr", field: "critic.learningRate", "must be positive", got: learningRate)
        try E.check(warmupSteps >= 0, flag: "--critic-warmup", field: "critic.warmupSteps", "must be 0 or more", got: warmupSteps)
        try E.check(valueCoef > 0 && valueCoef.isFinite, flag: "--vf-coef", field: "critic.valueCoef", "must be positive", got: valueCoef)
    }
}

final class Critic {
    let p: CriticParameters
    /// The value model's trunk: its own GPT, or the policy itself when shared.
    let trunk: GPTModel
    let head: ValueHead
    /// AdamW of the separate trunk (nil when shared: the policy's optimizer steps it).
    let trunkAdam: AdamW?
    let headAdam: AdamW
    let gradClip: Float

    static let weightsFile = "critic.safetensors"
    static let optimizerFile = "critic_optimizer.safetensors"

    init(_ p: CriticParameters, _ setup: AlgorithmSetup) throws {
        self.p = p
        trunk = p.placement == .separate ? try setup.loadBase() : setup.policy
        head = ValueHead(channels: trunk.config.nEmbd, seed: setup.training.seed ^ 0x5641_4C55)
        let adamParameters = AdamWParameters(weightDecay: setup.training.weightDecay, gradClip: setup.training.gradClip)
        trunkAdam = p.placement == .separate ? AdamW(layout: trunk.layout, parameters: adamParameters) : nil
        headAdam = AdamW(count: head.params.count, decays: false, parameters: adamParameters)
        gradClip = setup.training.gradClip
    }

    var shared: Bool { p.placement == .shared }

    var footprint: Footprint {
        let head = Footprint(parameters: self.head.params.count * 4, gradients: self.head.params.count * 4, optimizer: 2 * self.head.params.count * 4)
        return trunkAdam == nil ? head : head + .model(trunk, adam: trunkAdam)
    }

    /// V(s_t) at every response position of `members` (indexed by sequence; others left empty),
    /// on every rank.
    func values(_ layout: SequenceLayout, _ members: [Int]) -> [[Double]] {
        var out = [[Double]](repeating: [], count: layout.sequences.count)
        GradientPass.forEach(trunk, layout, members, needs: .hidden) { v in
            out[v.s] = head.forward(hidden: v.hidden).map(Double.init)
        }
        Self.complete(&out, layout, members)
        return out
    }

    /// Per-sequence values of `members` that each rank computed for its shard, on every rank.
    static func complete(_ values: inout [[Double]], _ layout: SequenceLayout, _ members: [Int]) {
        guard layout.comm.size > 1 else { return }
        var member = [Bool](repeating: false, count: layout.sequences.count)
        for s in members { member[s] = true }
        layout.comm.complete(&values, mine: { member[$0] && layout.mine($0) }) { member[$0] ? layout.sequences[$0].response.count : 0 }
    }

    /// One sequence's value loss, `scale`·Σ_k ½·max(…), accumulating the head's gradients; returns
    /// the loss, the gradient with respect to the hidden state (L×C) and how many tokens' clipped
    /// term was the larger.
    func valueTerm(_ v: ResponseView, targets: [Double], oldValues: [Double], scale: Double) -> (loss: Double, dHidden: [Float], clipped: Int) {
        let values = head.forward(hidden: v.hidden)
        var dV = [Float](repeating: 0, count: v.count)
        var loss = 0.0, clipped = 0
        for k in 0..<v.count {
            let t = PolicyLoss.valueLoss(value: Double(values[k]), oldValue: oldValues[k], target: targets[k], clip: p.valueClip)
            loss += scale * t.loss
            dV[k] = Float(scale * t.dValue)
            if t.clipped { clipped += 1 }
        }
        return (loss, head.backward(dValues: dV, hidden: v.hidden), clipped)
    }

    /// One optimizer step of the separate critic (or, when shared, of the head alone) on the token
    /// mean of the value loss over `members`. `oldValues` nil means V_old is this very forward's
    /// values (the first pass of an on-policy step, whose targets do not depend on V): then the
    /// values are read and the critic trained in one pass instead of two, and returned.
    func update(_ layout: SequenceLayout, _ members: [Int], targets: [[Double]], oldValues: [[Double]]?,
                learningRate: Float, step: Int) throws -> (loss: Double, clipFrac: Double, gradNorm: Double, values: [[Double]]) {
        var values = [[Double]](repeating: [], count: layout.sequences.count)
        let tokens = members.reduce(0) { $0 + layout.sequences[$1].response.count }
        guard tokens > 0 else { return (0, 0, 0, values) }
        head.zeroGrad()
        var clipped = 0
        let scale = 1 / Double(tokens)
        // The head's gradient, the clip count and the values read here, from every rank's shard
        // (the trunk's gradient and the loss are summed by the pass).
        func sumOverRanks() {
            guard layout.comm.size > 1 else { return }
            layout.comm.sum(head.grads)
            clipped = Int(layout.comm.sum(Double(clipped)))
            if oldValues == nil { Self.complete(&values, layout, members) }
        }
        func term(_ v: ResponseView) -> (loss: Double, dHidden: [Float]) {
            let old: [Double]
            if let oldValues { old = oldValues[v.s] } else {
                old = head.forward(hidden: v.hidden).map(Double.init)
                values[v.s] = old
            }
            let t = valueTerm(v, targets: targets[v.s], oldValues: old, scale: scale)
            clipped += t.clipped
            return (t.loss, t.dHidden)
        }
        let loss: Double
        var norm: Float
        if let trunkAdam {
            trunk.zeroGrad()
            loss = GradientPass.accumulate(trunk, layout, members, needs: .hidden) { v, g in
                let t = term(v)
                g.dHidden = t.dHidden
                return t.loss
            }
            sumOverRanks()
            norm = Float((pow(Double(gradientNorm(trunk.grads)), 2) + pow(Double(gradientNorm(head.grads)), 2)).squareRoot())
            guard loss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step) }
            trunkAdam.update(params: trunk.params, grads: trunk.grads, learningRate: learningRate, gradientNorm: norm)
        } else {
            // Shared trunk, head alone (critic warm-up): the policy's weights stay as they are.
            var total = 0.0
            GradientPass.forEach(trunk, layout, members, needs: .hidden) { v in total += term(v).loss }
            loss = layout.comm.sum(total)
            sumOverRanks()
            norm = gradientNorm(head.grads)
            guard loss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: step) }
        }
        headAdam.update(params: head.params, grads: head.grads, learningRate: learningRate, gradientNorm: norm)
        return (loss, Double(clipped) / Double(tokens), Double(norm), values)
    }

    // MARK: Checkpoint state

    func files() -> [String: Data] {
        var weights = [NamedTensor(name: "value_head.weight", shape: [head.channels], values: Array(head.params.array.prefix(head.channels))),
                       NamedTensor(name: "value_head.bias", shape: [1], values: [head.params[head.channels]])]
        var moments = [NamedTensor(name: "value_head.m", shape: [head.params.count], values: headAdam.m.array),
                       NamedTensor(name: "value_head.v", shape: [head.params.count], values: headAdam.v.array)]
        var metadata = ["head_step": String(headAdam.step)]
        if let trunkAdam {
            weights = Checkpoint.tensors(of: trunk) + weights
            moments += [NamedTensor(name: "m", shape: [trunkAdam.m.count], values: trunkAdam.m.array),
                        NamedTensor(name: "v", shape: [trunkAdam.v.count], values: trunkAdam.v.array)]
            metadata["step"] = String(trunkAdam.step)
        }
        return [Self.weightsFile: SafeTensors.encode(weights, metadata: ["format": "pt"]),
                Self.optimizerFile: SafeTensors.encode(moments, metadata: metadata)]
    }

    func restore(from directory: String) throws {
        let wPath = directory + "/" + Self.weightsFile, oPath = directory + "/" + Self.optimizerFile
        guard let wData = FileManager.default.contents(atPath: wPath), let oData = FileManager.default.contents(atPath: oPath) else {
            throw ParameterError(message: "\(directory) has no \(Self.weightsFile) and \(Self.optimizerFile): it was not saved by a run with a critic")
        }
        let (w, _) = try SafeTensors.decode(wData, path: wPath)
        let (o, meta) = try SafeTensors.decode(oData, path: oPath)
        func copy(_ ts: [String: NamedTensor], _ name: String, _ path: String, into p: UnsafeMutablePointer<Float>, count: Int) throws {
            guard let t = ts[name] else { throw CheckpointError.missingTensor(path: path, tensor: name) }
            guard t.values.count == count else { throw CheckpointError.shapeMismatch(path: path, tensor: name, expected: [count], actual: t.shape) }
            t.values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
        }
        let C = head.channels
        try copy(w, "value_head.weight", wPath, into: head.params.base, count: C)
        try copy(w, "value_head.bias", wPath, into: head.params.base + C, count: 1)
        try copy(o, "value_head.m", oPath, into: headAdam.m.base, count: C + 1)
        try copy(o, "value_head.v", oPath, into: headAdam.v.base, count: C + 1)
        guard let hs = meta["head_step"].flatMap({ Int($0) }) else { throw CheckpointError.corruptHeader(path: oPath, reason: "__metadata__.head_step missing") }
        headAdam.step = hs
        if let trunkAdam {
            for t in trunk.layout.tensors { try copy(w, t.name, wPath, into: trunk.params.base + t.offset, count: t.count) }
            try copy(o, "m", oPath, into: trunkAdam.m.base, count: trunkAdam.m.count)
            try copy(o, "v", oPath, into: trunkAdam.v.base, count: trunkAdam.v.count)
            guard let s = meta["step"].flatMap({ Int($0) }) else { throw CheckpointError.corruptHeader(path: oPath, reason: "__metadata__.step missing") }
            trunkAdam.step = s
        }
    }
}

// MARK: - GAE over a batch

/// Per-token advantages and critic targets of a batch from its values.
struct GAEEstimate {
    /// Â per token (whitened when the parameters say so), per sequence.
    var advantages: [[Double]]
    /// Critic targets R = Â(λ_critic) + V, per sequence.
    var returns: [[Double]]
    /// Metrics before whitening, with verl's names.
    var metrics: [(String, JSONValue)]

    /// `tokenRewards[s][k]`: the reward at token k of sequence s (the verifier's at the last
    /// token, minus a KL penalty where the run puts one in the reward). Statistics and whitening
    /// run over the `included` sequences' tokens.
    init(tokenRewards: [[Double]], values: [[Double]], included: [Bool], _ p: CriticParameters) {
        var adv: [[Double]] = [], ret: [[Double]] = []
        for (r, v) in zip(tokenRewards, values) {
            adv.append(Advantages.gae(rewards: r, values: v, gamma: p.gamma, lambda: p.lambda))
            // λ_critic = 1: the discounted reward to go, which does not depend on V (so the critic
            // can be trained in the same pass that reads its values).
            ret.append(Self.targetsIgnoreValues(p) ? Self.rewardToGo(r, gamma: p.gamma)
                                           : zip(Advantages.gae(rewards: r, values: v, gamma: p.gamma, lambda: p.criticLambda), v).map { $0 + $1 })
        }
        let pick = { (xs: [[Double]]) in xs.indices.filter { included[$0] }.flatMap { xs[$0] } }
        let flatAdv = pick(adv), flatRet = pick(ret), flatV = pick(values)
        let (am, asd) = Advantages.meanAndStd(flatAdv)
        metrics = [
            ("critic/values/mean", .double(Advantages.meanAndStd(flatV).mean)),
            ("critic/returns/mean", .double(Advantages.meanAndStd(flatRet).mean)),
            ("critic/advantages/mean", .double(am)),
            ("critic/advantages/std", .double(asd)),
            ("critic/vf_explained_var", Advantages.explainedVariance(values: flatV, returns: flatRet).map { .double($0) } ?? .null),
        ]
        if p.whitenAdvantages { adv = adv.map { $0.map { ($0 - am) / (asd + 1e-8) } } }
        advantages = adv
        returns = ret
    }

    /// R_t = Σ_l γ^l r_{t+l}.
    static func rewardToGo(_ r: [Double], gamma: Double) -> [Double] {
        var out = r, next = 0.0
        for t in stride(from: r.count - 1, through: 0, by: -1) { next = r[t] + gamma * next; out[t] = next }
        return out
    }

    /// Whether the critic's targets are the reward to go (λ_critic = 1), independent of V.
    static func targetsIgnoreValues(_ p: CriticParameters) -> Bool { p.criticLambda == 1 }

    /// The verifier's reward at each sequence's last token.
    static func terminalRewards(_ batch: RolloutBatch) -> [[Double]] {
        zip(batch.sequences, batch.flatRewards).map { t, r in
            var x = [Double](repeating: 0, count: t.response.count)
            if !x.isEmpty { x[x.count - 1] = r }
            return x
        }
    }
}
