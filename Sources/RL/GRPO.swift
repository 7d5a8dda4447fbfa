// GRPO's parameters and its optimisation step: advantages → clipped policy loss (+ k3 KL to the
// reference) → backward → AdamW, over μ passes in mini-batches.
//
// Letters: P prompts per step, G responses per prompt, N = P·G sequences, T padded length.
import Foundation
import GPT
import Tasks

// MARK: - Parameters

/// How the learning rate moves over the run.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// Flat after warm-up (TRL's GRPO examples and R1-Zero use a constant rate).
    case constant
    /// Cosine decay to `minLearningRate` at the last step.
    case cosine
}

/// Everything that decides a GRPO run. `lab train` maps flags and `--config FILE.json` onto it
/// and writes the resolved value to the run directory as `config.json`.
public struct GRPOParameters: Codable, Equatable, Sendable {
    /// Optimisation steps; each samples a fresh batch of P × G responses.
    public var steps = 120
    /// Seeds the problem stream and every rollout (each from (seed, step, problem, sample)).
    public var seed: UInt64 = 1
    /// P: prompts per step (TRL: per_device_train_batch_size / num_generations). 32 × 8 halves
    /// the gradient noise of 16 × 8: on the shipped base, 16 prompts at 1e-4 switched style in 10
    /// steps but then drifted between 42% and 54% held-out pass@1; 32 at 5e-5 held 68–74%.
    public var promptsPerStep = 32
    /// G: responses per prompt; the group the advantages are relative to.
    public var groupSize = 8
    /// Most generated tokens (characters) per response; longer ones are cut and counted truncated.
    public var maxResponseLength = 300
    /// Sampling temperature of π_old (R1-Zero samples at 1).
    public var temperature: Float = 1
    /// Nucleus sampling threshold (1: off).
    public var topP: Float = 1
    /// Peak learning rate. The reference prototype was stable from 3e-5 to 1e-4 and swung at 3e-4
    /// (DESIGN §5); on the shipped base 1e-4 already let the steps decay after the style switch.
    public var learningRate: Float = 5e-5
    /// Learning-rate schedule after warm-up.
    public var schedule: ScheduleKind = .constant
    /// Linear warm-up steps.
    public var warmupSteps = 0
    /// Floor of the cosine schedule.
    public var minLearningRate: Float = 1e-5
    /// AdamW decoupled weight decay (TRL's default is 0: RL should not pull weights away from the base).
    public var weightDecay: Float = 0
    /// Global gradient-norm clip (TRL: max_grad_norm = 1).
    public var gradClip: Float = 1
    /// β: coefficient of the k3 KL to the frozen base model; at 0 the reference is never evaluated.
    public var beta: Double = 0
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
    /// How rewards become advantages.
    public var scaleRewards: RewardScaling = .group
    /// Reward weights: accuracy, format, optional step reward.
    public var rewards = RewardWeights()
    /// Leave truncated responses out of the loss (DAPO's overlong filtering).
    public var maskTruncated = false
    /// Leave groups whose rewards are all equal out of the loss and its normalisers (DAPO's
    /// dynamic sampling, without resampling).
    public var skipZeroVarianceGroups = false
    /// Which families and difficulties the training stream draws.
    public var curriculum = Curriculum.standard
    /// Greedy held-out evaluation every this many steps (and at steps 0 and last); 0: never.
    public var evalEvery = 10
    /// Size of the fixed held-out slice evaluated (spread evenly over the families).
    public var evalProblems = 300
    /// Save sampled traces every this many steps.
    public var samplesEvery = 10
    /// Save a checkpoint every this many steps (and at the end).
    public var saveEvery = 40
    /// Sequences per forward/backward chunk: bounds memory, not the maths.
    public var chunkSize = 32

    public init() {}

    /// Throws when a value cannot work, naming the `lab train` flag and the `--config` field.
    public func validate() throws(ParameterError) {
        typealias E = ParameterError
        try E.check(steps >= 0, flag: "--steps", field: "steps", "must be 0 or more", got: steps)
        try E.check(promptsPerStep >= 1, flag: "--prompts-per-step", field: "promptsPerStep", "must be at least 1", got: promptsPerStep)
        try E.check(groupSize >= 2, flag: "--group-size", field: "groupSize",
                    "must be at least 2 (advantages are relative to the group)", got: groupSize)
        try E.check(maxResponseLength >= 1, flag: "--max-length", field: "maxResponseLength", "must be at least 1", got: maxResponseLength)
        try E.check(temperature > 0 && temperature.isFinite, flag: "--temperature", field: "temperature",
                    "must be positive and finite (GRPO samples; there is no greedy training)", got: temperature)
        try E.check(topP > 0 && topP <= 1, flag: "--top-p", field: "topP", "must be in (0, 1]", got: topP)
        try E.check(learningRate > 0 && learningRate.isFinite, flag: "--lr", field: "learningRate", "must be positive", got: learningRate)
        try E.check(minLearningRate >= 0 && minLearningRate <= learningRate, field: "minLearningRate",
                    "must be in [0, learningRate]", got: minLearningRate)
        try E.check(warmupSteps >= 0, flag: "--warmup", field: "warmupSteps", "must be 0 or more", got: warmupSteps)
        try E.check(weightDecay >= 0 && weightDecay.isFinite, flag: "--weight-decay", field: "weightDecay", "must be 0 or more", got: weightDecay)
        try E.check(gradClip > 0, flag: "--grad-clip", field: "gradClip", "must be positive", got: gradClip)
        try E.check(beta >= 0 && beta.isFinite, flag: "--beta", field: "beta", "must be 0 (no KL, no reference) or more", got: beta)
        try E.check(epsilonLow >= 0 && epsilonLow < 1, flag: "--epsilon-low", field: "epsilonLow", "must be in [0, 1)", got: epsilonLow)
        try E.check(epsilonHigh >= 0 && epsilonHigh.isFinite, flag: "--epsilon-high", field: "epsilonHigh", "must be 0 or more", got: epsilonHigh)
        try E.check(iterations >= 1, flag: "--iterations", field: "iterations", "must be at least 1", got: iterations)
        try E.check(miniBatches >= 1 && miniBatches <= promptsPerStep * groupSize, flag: "--mini-batches", field: "miniBatches",
                    "must be between 1 and prompts per step × group size (\(promptsPerStep * groupSize))", got: miniBatches)
        for (name, flag, w) in [("accuracy", nil, rewards.accuracy), ("format", "--format-weight", rewards.format),
                                ("steps", "--step-weight", rewards.steps)] as [(String, String?, Double)] {
            try E.check(w.isFinite, flag: flag, field: "rewards.\(name)", "must be a finite number", got: w)
        }
        try E.check(evalEvery >= 0, flag: "--eval-every", field: "evalEvery", "must be 0 (never) or more", got: evalEvery)
        try E.check(evalEvery == 0 || evalProblems >= 1, field: "evalProblems", "must be at least 1 when evaluating", got: evalProblems)
        try E.check(samplesEvery >= 0, flag: "--samples-every", field: "samplesEvery", "must be 0 (never) or more", got: samplesEvery)
        try E.check(saveEvery >= 0, flag: "--save-every", field: "saveEvery", "must be 0 (only at the end) or more", got: saveEvery)
        try E.check(chunkSize >= 1, field: "chunkSize", "must be at least 1", got: chunkSize)
        let families = "--families (\"curriculum\" in --config)"
        if curriculum.entries.isEmpty { throw E(message: "\(families) needs at least one entry") }
        for e in curriculum.entries {
            let known = e.family.difficulties
            if !known.contains(e.difficulties.lowerBound) || !known.contains(e.difficulties.upperBound) {
                throw E(message: "\(families): \(e.family.rawValue) difficulties \(e.difficulties.lowerBound)-\(e.difficulties.upperBound) "
                        + "are outside \(known.lowerBound)-\(known.upperBound)")
            }
            if !(e.weight > 0 && e.weight.isFinite) {
                throw E(message: "\(families): the weight of \(e.family.rawValue) must be positive; got \(e.weight)")
            }
        }
    }
}

/// A parameter value that cannot work. The message names the flag (and the `--config` field,
/// where there is one), what is required and the value given:
/// `--group-size ("groupSize" in --config) must be at least 2 (…); got 1`.
public struct ParameterError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }

    /// Throws unless `ok`, naming the flag and/or the config field, the rule and the value.
    static func check(_ ok: Bool, flag: String? = nil, field: String? = nil, _ rule: String, got value: some Any) throws(ParameterError) {
        guard !ok else { return }
        let name: String
        switch (flag, field) {
        case let (flag?, field?): name = "\(flag) (\"\(field)\" in --config)"
        case let (flag?, nil): name = flag
        case let (nil, field?): name = "\"\(field)\" in --config"
        case (nil, nil): name = "a parameter"
        }
        throw ParameterError(message: "\(name) \(rule); got \(value)")
    }
}

// MARK: - One optimisation step

/// A sampled sequence as the optimiser sees it.
public struct Trajectory: Sendable {
    public var prompt: [Int]
    /// Generated ids (a final EOS included: the model is trained to stop).
    public var response: [Int]
    public var truncated: Bool

    public init(prompt: [Int], response: [Int], truncated: Bool) {
        self.prompt = prompt
        self.response = response
        self.truncated = truncated
    }
}

/// What one optimisation step measured.
public struct OptimizationStats: Sendable {
    public var loss = 0.0
    /// Mean k3 KL per token (nil when β = 0: the reference was not evaluated).
    public var kl: Double?
    /// Mean entropy (nats) of π_θ per response token.
    public var entropy = 0.0
    /// Fraction of response tokens whose ratio was clipped.
    public var clipRatio = 0.0
    /// Gradient norm before clipping, of the last optimizer step.
    public var gradNorm = 0.0
    /// Fraction of groups whose rewards were all equal.
    public var fracZeroStd = 0.0
    /// Sequences that took part in the loss.
    public var sequencesUsed = 0
}

/// The GRPO optimiser: owns the AdamW state and (when β > 0) the reference model.
public final class GRPOOptimizer {
    public let model: GPTModel
    public let reference: GPTModel?
    public let adam: AdamW
    public let parameters: GRPOParameters
    let padID: Int

    public init(model: GPTModel, reference: GPTModel?, adam: AdamW, parameters: GRPOParameters, padID: Int) {
        precondition(parameters.beta == 0 || reference != nil, "β > 0 needs a reference model")
        self.model = model
        self.reference = parameters.beta > 0 ? reference : nil
        self.adam = adam
        self.parameters = parameters
        self.padID = padID
    }

    /// Runs μ passes of mini-batch updates on `groups` (P groups of G trajectories) with their
    /// `rewards`. Throws `TrainingError.nonFiniteLoss` before applying an update whose loss or
    /// gradient is not finite, so the weights stay the last good ones.
    public func step(_ groups: [[Trajectory]], rewards: [[Double]], learningRate: Float, stepIndex: Int) throws -> OptimizationStats {
        try step(groups, statistics: GroupStatistics(rewards, scaling: parameters.scaleRewards),
                 learningRate: learningRate, stepIndex: stepIndex)
    }

    /// The same with the step's group statistics already computed (the trainer computes them
    /// once and also logs and saves them); `statistics` must use `parameters.scaleRewards`.
    public func step(_ groups: [[Trajectory]], statistics: GroupStatistics, learningRate: Float, stepIndex: Int) throws -> OptimizationStats {
        let p = parameters
        precondition(statistics.rewards.map(\.count) == groups.map(\.count), "one reward per trajectory")
        precondition(statistics.scaling == p.scaleRewards, "advantages scaled as the parameters say")
        let advantages = statistics.advantages, zeroStd = statistics.zeroStd
        var stats = OptimizationStats()
        stats.fracZeroStd = statistics.fracZeroStd

        // Flatten: sequence s belongs to group g(s).
        var seqs: [Trajectory] = [], adv: [Double] = [], included: [Bool] = []
        for (g, group) in groups.enumerated() {
            for (i, t) in group.enumerated() {
                seqs.append(t)
                adv.append(advantages[g][i])
                included.append(!(p.maskTruncated && t.truncated) && !(p.skipZeroVarianceGroups && zeroStd[g]))
            }
        }
        stats.sequencesUsed = included.filter { $0 }.count
        let T = seqs.map { $0.prompt.count + $0.response.count - 1 }.max() ?? 1

        // π_old: when the batch is used more than once, its log-probs before any update; with one
        // pass in one mini-batch, the current log-probs themselves (ratio exactly 1).
        let onPolicy = p.iterations == 1 && p.miniBatches == 1
        let oldLogProbs: [[Float]]? = onPolicy ? nil : responseLogProbs(model, seqs, T: T).logProbs
        let refLogProbs: [[Float]]? = reference.map { responseLogProbs($0, seqs, T: T).logProbs }

        var tokens = 0, clipped = 0, klSum = 0.0, entropySum = 0.0, lossSum = 0.0
        var order = Array(seqs.indices)
        let miniSize = (seqs.count + p.miniBatches - 1) / p.miniBatches
        for pass in 0..<p.iterations {
            if p.miniBatches > 1 {
                // Mini-batches mix groups, in an order drawn from (seed, step, pass).
                var rng = GPTRandom(seed: p.seed, derive: UInt64(stepIndex), UInt64(pass), 0x4D42)
                order.shuffle(using: &rng)
            }
            for mb in stride(from: 0, to: order.count, by: miniSize) {
                let members = Array(order[mb..<min(order.count, mb + miniSize)])
                let weights = p.loss.tokenWeights(lengths: members.map { seqs[$0].response.count },
                                                  included: members.map { included[$0] }, maxLength: p.maxResponseLength)
                model.zeroGrad()
                var mbLoss = 0.0
                for c in stride(from: 0, to: members.count, by: p.chunkSize) {
                    let chunk = Array(members[c..<min(members.count, c + p.chunkSize)])
                    let (x, y) = batch(chunk.map { seqs[$0] }, T: T)
                    model.forward(tokens: x, targets: y, B: chunk.count, T: T)
                    let lp = model.logProbs, ent = model.entropies
                    var d = [Float](repeating: 0, count: chunk.count * T)
                    for (row, s) in chunk.enumerated() {
                        let w = weights[c + row]
                        let start = row * T + seqs[s].prompt.count - 1
                        for k in 0..<seqs[s].response.count {
                            let cur = Double(lp[start + k])
                            let old = oldLogProbs.map { Double($0[s][k]) } ?? cur
                            let term = PolicyLoss.clipped(logProb: cur, oldLogProb: old, advantage: adv[s],
                                                          epsilonLow: p.epsilonLow, epsilonHigh: p.epsilonHigh)
                            var ell = term.loss, dl = term.dLogProb
                            if let ref = refLogProbs {
                                let kl = PolicyLoss.k3(logProb: cur, refLogProb: Double(ref[s][k]))
                                ell += p.beta * kl.value
                                dl += p.beta * kl.dLogProb
                                klSum += kl.value
                            }
                            mbLoss += w * ell
                            d[row * T + seqs[s].prompt.count - 1 + k] = Float(w * dl)
                            tokens += 1
                            entropySum += Double(ent[start + k])
                            if term.clipped { clipped += 1 }
                        }
                    }
                    model.backward(dLogProbs: d)
                }
                let norm = gradientNorm(model.grads)
                guard mbLoss.isFinite, norm.isFinite else { throw TrainingError.nonFiniteLoss(step: stepIndex) }
                adam.update(model, learningRate: learningRate)
                stats.gradNorm = Double(norm)
                lossSum += mbLoss
            }
        }
        let batches = Double(p.iterations * ((seqs.count + miniSize - 1) / miniSize))
        stats.loss = lossSum / batches
        stats.entropy = tokens > 0 ? entropySum / Double(tokens) : 0
        stats.clipRatio = tokens > 0 ? Double(clipped) / Double(tokens) : 0
        if reference != nil { stats.kl = tokens > 0 ? klSum / Double(tokens) : 0 }
        return stats
    }

    /// (inputs, targets), each B×T: sequence = prompt + response, inputs its first T tokens,
    /// targets the next ones, PAD past the end (such positions get no gradient).
    func batch(_ seqs: [Trajectory], T: Int) -> ([Int32], [Int32]) {
        var x = [Int32](repeating: Int32(padID), count: seqs.count * T)
        var y = x
        for (row, s) in seqs.enumerated() {
            let full = s.prompt + s.response
            for t in 0..<min(T, full.count - 1) {
                x[row * T + t] = Int32(full[t])
                y[row * T + t] = Int32(full[t + 1])
            }
        }
        return (x, y)
    }

    /// Log-probs (and entropies) of each sequence's response tokens under `m`, without gradients.
    func responseLogProbs(_ m: GPTModel, _ seqs: [Trajectory], T: Int) -> (logProbs: [[Float]], entropies: [[Float]]) {
        var lps: [[Float]] = [], ents: [[Float]] = []
        for c in stride(from: 0, to: seqs.count, by: parameters.chunkSize) {
            let chunk = Array(seqs[c..<min(seqs.count, c + parameters.chunkSize)])
            let (x, y) = batch(chunk, T: T)
            m.forward(tokens: x, targets: y, B: chunk.count, T: T)
            for (row, s) in chunk.enumerated() {
                let start = row * T + s.prompt.count - 1
                lps.append(Array(m.logProbs[start..<(start + s.response.count)]))
                ents.append(Array(m.entropies[start..<(start + s.response.count)]))
            }
        }
        return (lps, ents)
    }
}
