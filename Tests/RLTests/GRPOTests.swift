// The algorithms' maths on hand-computed examples, a toy task each must learn, and exact resume.
import Foundation
import Testing
import GPT
import Tasks
@testable import RL

struct AdvantageTests {
    @Test func groupScalingOnAFixedGroup() {
        // rewards 0, 1, 1, 2: mean 1, sample std √(2/3).
        let a = Advantages.compute([[0, 1, 1, 2]], scaling: .group, epsilon: 0)[0]
        let s = (2.0 / 3.0).squareRoot()
        #expect(zip(a, [-1 / s, 0, 0, 1 / s]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test(arguments: RewardScaling.allCases)
    func allEqualGroupsGetZeroAdvantage(scaling: RewardScaling) {
        let a = Advantages.compute([[1.1, 1.1, 1.1], [0, 1, 0]], scaling: scaling)
        #expect(a[0] == [0, 0, 0])
        #expect(a[1].contains { $0 != 0 })
    }

    @Test func noneAndBatchScaling() {
        let rewards: [[Double]] = [[0, 2], [1, 1], [4, 0]]
        #expect(Advantages.compute(rewards, scaling: .none) == [[-1, 1], [0, 0], [2, -2]])
        let batchStd = Advantages.std([0, 2, 1, 1, 4, 0])
        let b = Advantages.compute(rewards, scaling: .batch, epsilon: 0)
        #expect(abs(b[2][0] - 2 / batchStd) < 1e-12 && abs(b[0][1] - 1 / batchStd) < 1e-12)
    }
}

extension RunConfig {
    /// Changes GRPO's own parameters (the run must be a GRPO run).
    mutating func grpo(_ change: (inout GRPOParameters) -> Void) {
        guard case var .grpo(g) = algorithm else { fatalError("not a GRPO run") }
        change(&g)
        algorithm = .grpo(g)
    }
}

struct ParameterValidationTests {
    /// The defaults lab train --help quotes come from the parameter structs themselves, per algorithm.
    @Test func helpDefaultsComeFromTheParameters() {
        #expect(RunConfig.describeDefault(of: "seed") == String(TrainingParameters().seed))
        #expect(RunConfig.describeDefault(of: "learningRate") == String(format: "%g", Double(TrainingParameters().learningRate)))
        #expect(RunConfig.describeDefault(of: "klEstimator") == "\(GRPOParameters().klEstimator.rawValue) (ppo: \(PPOParameters().klEstimator.rawValue))")
        #expect(RunConfig.describeDefault(of: "critic.learningRate") == String(format: "%g", Double(PPOParameters().critic.learningRate)))
        #expect(RunConfig.describeDefault(of: "maskTruncated") == "false")
        #expect(RunConfig.describeDefault(of: "noSuchField") == nil)
    }

    @Test(arguments: [
        ({ @Sendable (c: inout RunConfig) in c.training.groupSize = 1 }, "--group-size (\"groupSize\" in --config) must be at least 2"),
        ({ @Sendable (c: inout RunConfig) in c.training.promptsPerStep = 0 }, "--prompts-per-step"),
        ({ @Sendable (c: inout RunConfig) in c.training.temperature = 0 }, "--temperature"),
        ({ @Sendable (c: inout RunConfig) in c.training.topP = 0 }, "--top-p"),
        ({ @Sendable (c: inout RunConfig) in c.training.learningRate = -1e-4 }, "--lr"),
        ({ @Sendable (c: inout RunConfig) in c.training.warmupSteps = -1 }, "--warmup"),
        ({ @Sendable (c: inout RunConfig) in c.training.weightDecay = -0.1 }, "--weight-decay"),
        ({ @Sendable (c: inout RunConfig) in c.training.gradClip = 0 }, "--grad-clip"),
        ({ @Sendable (c: inout RunConfig) in c.grpo { $0.beta = .nan } }, "--beta"),
        ({ @Sendable (c: inout RunConfig) in c.grpo { $0.epsilonLow = 1 } }, "--epsilon-low"),
        ({ @Sendable (c: inout RunConfig) in c.grpo { $0.miniBatches = 32 * 8 + 1 } }, "--mini-batches"),
        ({ @Sendable (c: inout RunConfig) in c.grpo { $0.klTarget = 0.01 } }, "--beta (\"beta\" in --config) must be positive for the adaptive"),
        ({ @Sendable (c: inout RunConfig) in c.training.rewards.format = .infinity }, "--format-weight"),
        ({ @Sendable (c: inout RunConfig) in c.training.evalEvery = -1 }, "--eval-every"),
        ({ @Sendable (c: inout RunConfig) in c.training.evalProblems = 0 }, "\"evalProblems\" in --config must be at least 1"),
        ({ @Sendable (c: inout RunConfig) in c.training.samplesEvery = -1 }, "--samples-every"),
        ({ @Sendable (c: inout RunConfig) in c.training.saveEvery = -1 }, "--save-every"),
        ({ @Sendable (c: inout RunConfig) in c.training.minLearningRate = 1 }, "\"minLearningRate\" in --config"),
        ({ @Sendable (c: inout RunConfig) in c.training.curriculum.entries = [] }, "--families"),
        ({ @Sendable (c: inout RunConfig) in c.training.curriculum.entries[0].weight = 0 }, "--families"),
        ({ @Sendable (c: inout RunConfig) in c.training.curriculum.entries[0].difficulties = 0...2 }, "--families"),
        ({ @Sendable (c: inout RunConfig) in var p = PPOParameters(); p.critic.gamma = 1.5; c.algorithm = .ppo(p) }, "--gamma"),
        ({ @Sendable (c: inout RunConfig) in var p = PPOParameters(); p.critic.learningRate = 0; c.algorithm = .ppo(p) }, "--critic-lr"),
        ({ @Sendable (c: inout RunConfig) in var p = TRPOParameters(); p.delta = 0; c.algorithm = .trpo(p) }, "--delta"),
        ({ @Sendable (c: inout RunConfig) in var p = TRPOParameters(); p.backtrackFactor = 1; c.algorithm = .trpo(p) }, "--backtrack-factor"),
        ({ @Sendable (c: inout RunConfig) in
            var p = TRPOParameters(); p.advantages = .gae; p.critic.placement = .shared; c.algorithm = .trpo(p) }, "--critic"),
    ] as [(@Sendable (inout RunConfig) -> Void, String)])
    func nonsenseIsRejectedNamingTheFlag(change: @Sendable (inout RunConfig) -> Void, message: String) {
        var c = RunConfig(base: "b")
        change(&c)
        do { try c.validate(); Issue.record("accepted") } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
    }

    @Test func defaultsAndEdgeValuesAreAccepted() throws {
        for name in AlgorithmName.allCases { try RunConfig(base: "b", algorithm: .defaults(name)).validate() }
        var t = TrainingParameters()
        (t.evalEvery, t.evalProblems, t.samplesEvery, t.saveEvery, t.steps) = (0, 0, 0, 0, 0)
        try RunConfig(base: "b", training: t).validate()
    }

    @Test(arguments: [
        ({ @Sendable (p: inout TraceParameters) in p.count = 0 }, "--count must be at least 1"),
        ({ @Sendable (p: inout TraceParameters) in p.temperature = -1 }, "--temperature must be 0 (greedy) or more"),
        ({ @Sendable (p: inout TraceParameters) in p.maxNewTokens = 0 }, "--max-length"),
        ({ @Sendable (p: inout TraceParameters) in p.maxTries = 0 }, "--max-tries"),
    ] as [(@Sendable (inout TraceParameters) -> Void, String)])
    func traceParametersNameTheFlag(change: @Sendable (inout TraceParameters) -> Void, message: String) {
        var p = TraceParameters()
        change(&p)
        do { try p.validate(); Issue.record("accepted") } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
    }
}

struct GroupStatisticsTests {
    @Test func computedOnceGiveEverythingTheStepLogsAndUses() {
        let rewards: [[Double]] = [[0, 1, 1, 2], [1.1, 1.1, 1.1, 1.1], [0, 0, 0, 1]]
        let g = GroupStatistics(rewards, scaling: .group)
        #expect(zip(g.means, [1, 1.1, 0.25]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(g.zeroStd == [false, true, false] && abs(g.fracZeroStd - 1.0 / 3) < 1e-15)
        #expect(abs(g.stds[0] - (2.0 / 3).squareRoot()) < 1e-12 && g.stds[1] < 1e-15 && abs(g.stds[2] - 0.5) < 1e-12)
        let flat = rewards.flatMap { $0 }
        #expect(g.count == 12 && g.meanReward == flat.reduce(0, +) / 12 && g.batchStd == Advantages.std(flat))
        // The advantages the loss uses are the ones computed from the same rewards alone.
        for scaling in RewardScaling.allCases {
            #expect(GroupStatistics(rewards, scaling: scaling).advantages == Advantages.compute(rewards, scaling: scaling))
        }
        #expect(g.advantages[1] == [0, 0, 0, 0])
    }
}

struct LossTests {
    /// Two sequences of 2 and 4 tokens, per-token losses ℓ: (1, 3) and (2, 2, 2, 6).
    let lengths = [2, 4]
    let losses: [[Double]] = [[1, 3], [2, 2, 2, 6]]

    func aggregate(_ a: LossAggregation, included: [Bool] = [true, true], maxLength: Int = 10) -> Double {
        let w = a.tokenWeights(lengths: lengths, included: included, maxLength: maxLength)
        return zip(w, losses).reduce(0) { $0 + $1.0 * $1.1.reduce(0, +) }
    }

    @Test func grpoIsMeanOfSequenceMeans() { #expect(abs(aggregate(.grpo) - (2.0 + 3.0) / 2) < 1e-12) }
    @Test func dapoIsTokenMean() { #expect(abs(aggregate(.dapo) - 16.0 / 6) < 1e-12) }
    @Test func drGrpoDividesByBTimesMaxLength() { #expect(abs(aggregate(.dr_grpo) - 16.0 / (2 * 10)) < 1e-12) }

    @Test func excludedSequencesWeighNothingAndLeaveTheNormalisers() {
        #expect(abs(aggregate(.grpo, included: [false, true]) - 3.0) < 1e-12)
        #expect(abs(aggregate(.dapo, included: [false, true]) - 12.0 / 4) < 1e-12)
        #expect(aggregate(.dapo, included: [false, false]) == 0)
    }

    @Test(arguments: [
        // (log ρ, Â, clipped?, loss): inside the region the surrogate is −ρÂ.
        (0.0, 1.0, false, -1.0),
        (log(1.1), 1.0, false, -1.1),
        (log(1.5), 1.0, true, -1.2),    // positive advantage: capped at 1 + ε_high
        (log(1.5), -1.0, false, 1.5),   // negative advantage: no cap above
        (log(0.5), -1.0, true, 0.8),    // negative advantage: capped at 1 − ε_low
        (log(0.5), 1.0, false, -0.5),
    ])
    func ratioClipping(logRatio: Double, advantage: Double, clipped: Bool, loss: Double) {
        let r = PolicyLoss.clipped(logProb: logRatio - 2, oldLogProb: -2, advantage: advantage, epsilonLow: 0.2, epsilonHigh: 0.2)
        #expect(r.clipped == clipped)
        #expect(abs(r.loss - loss) < 1e-12)
        if clipped { #expect(r.dLogProb == 0) }
    }

    @Test func surrogateGradientMatchesFiniteDifferences() {
        for (lp, a) in [(-1.3, 0.7), (-0.2, -1.1), (-2.0, 2.0)] {
            let h = 1e-6
            let f = { (x: Double) in PolicyLoss.clipped(logProb: x, oldLogProb: -1.25, advantage: a, epsilonLow: 0.2, epsilonHigh: 0.2).loss }
            let numeric = (f(lp + h) - f(lp - h)) / (2 * h)
            let analytic = PolicyLoss.clipped(logProb: lp, oldLogProb: -1.25, advantage: a, epsilonLow: 0.2, epsilonHigh: 0.2).dLogProb
            #expect(abs(numeric - analytic) < 1e-6, "\(lp), \(a)")
        }
    }

    @Test func k3ValueAndGradient() {
        // π_θ = 0.5, π_ref = 0.25: ratio 0.5, k3 = 0.5 − log 0.5 − 1.
        let v = PolicyLoss.k3(logProb: log(0.5), refLogProb: log(0.25))
        #expect(abs(v.value - (0.5 - log(0.5) - 1)) < 1e-12)
        #expect(PolicyLoss.k3(logProb: -1, refLogProb: -1).value == 0)
        for (lp, ref) in [(-0.7, -1.9), (-3.0, -0.4), (-1.0, -1.0)] {
            let h = 1e-6
            let numeric = (PolicyLoss.k3(logProb: lp + h, refLogProb: ref).value - PolicyLoss.k3(logProb: lp - h, refLogProb: ref).value) / (2 * h)
            #expect(abs(numeric - PolicyLoss.k3(logProb: lp, refLogProb: ref).dLogProb) < 1e-6)
            #expect(PolicyLoss.k3(logProb: lp, refLogProb: ref).value >= 0)
        }
    }
}

/// A tiny random policy, and an algorithm updating it, for the toy task.
struct ToyPolicy {
    let tokenizer: CharTokenizer
    let model: GPTModel
    let learner: any Algorithm

    init(_ algorithm: AlgorithmParameters, learningRate: Float = 3e-2, seed: UInt64 = 5, chunkSize: Int = 32) throws {
        tokenizer = try CharTokenizer()
        let config = GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 16, nLayer: 1, nHead: 2, nEmbd: 16)
        let model = try GPTModel(config: config, seed: seed)
        self.model = model
        let base = model.params.array
        var t = TrainingParameters()
        t.learningRate = learningRate
        t.promptsPerStep = 8
        t.chunkSize = chunkSize
        let reference = algorithm.needsReference ? try GPTModel(config: config, parameters: base) : nil
        learner = try algorithm.make(AlgorithmSetup(policy: model, reference: reference, loadBase: { try GPTModel(config: config, parameters: base) },
                                                    training: t, padID: tokenizer.padID, policyOptimizer: nil))
    }

    /// 64 responses of two tokens to the prompt BOS, from stream (seed, step).
    func sample(seed: UInt64, step: Int) throws -> [Sample] {
        try Sampler(model: model, maxBatch: 64).generate(prompts: Array(repeating: [tokenizer.bosID], count: 64),
                                                         rngs: (0..<64).map { GPTRandom(seed: seed, derive: UInt64(step), UInt64($0)) },
                                                         parameters: SamplingParameters(maxNewTokens: 2))
    }

    /// The share of responses starting with "a".
    func rate() throws -> Double {
        let a = try tokenizer.encode("a")[0]
        return Double(try sample(seed: 1, step: 1000).filter { $0.tokens.first == a }.count) / 64
    }

    /// One step: 8 groups of 8, reward 1 when the first generated character is "a".
    @discardableResult
    func step(_ step: Int) throws -> UpdateResult {
        let a = try tokenizer.encode("a")[0]
        let trajectories = try sample(seed: 2, step: step).map { Trajectory(prompt: [tokenizer.bosID], response: $0.tokens, truncated: false) }
        let groups = stride(from: 0, to: 64, by: 8).map { Array(trajectories[$0..<($0 + 8)]) }
        let rewards = groups.map { $0.map { $0.response.first == a ? 1.0 : 0.0 } }
        return try learner.update(RolloutBatch(groups: groups, rewards: rewards), context: UpdateContext(step: step + 1, learningRate: 3e-2))
    }
}

struct ToyTaskTests {
    /// Prompt BOS; the reward is 1 when the first generated character is "a". A tiny random
    /// policy starts near 1/99 and every algorithm must make it prefer "a" within a few steps.
    @Test(arguments: [
        ("grpo", AlgorithmParameters.grpo(GRPOParameters())),
        ("grpo-gspo", { var g = GRPOParameters(); g.policyLoss = .gspo; g.iterations = 2; return .grpo(g) }()),
        ("grpo-cispo", { var g = GRPOParameters(); g.policyLoss = .cispo; g.iterations = 2; return .grpo(g) }()),
        ("grpo-kl-full-entropy", { var g = GRPOParameters(); g.beta = 0.01; g.klEstimator = .full; g.entropyCoef = 0.001; return .grpo(g) }()),
        ("reinforce", AlgorithmParameters.reinforce(PolicyGradientParameters())),
        ("rloo", AlgorithmParameters.rloo(PolicyGradientParameters())),
        ("ppo", AlgorithmParameters.ppo(PPOParameters())),
        ("ppo-shared-kl-loss", { var p = PPOParameters(); p.critic.placement = .shared; p.beta = 0.01; p.klIn = .loss; p.klEstimator = .k3; return .ppo(p) }()),
        // The toy's responses are two tokens: the Fisher products run on the whole batch.
        ("trpo", { var p = TRPOParameters(); p.delta = 0.05; p.fisherFraction = 1; return .trpo(p) }()),
        ("trpo-gae", { var p = TRPOParameters(); p.delta = 0.05; p.fisherFraction = 1; p.advantages = .gae; return .trpo(p) }()),
    ])
    func tinyPolicyLearnsTheRewardedOutput(name: String, algorithm: AlgorithmParameters) throws {
        let toy = try ToyPolicy(algorithm)
        let before = try toy.rate()
        // 20 steps: TRPO's trust region (δ 0.05) takes it to about 0.6 in 15, under some BLAS kernels just below.
        for step in 0..<20 { try toy.step(step) }
        let after = try toy.rate()
        #expect(before < 0.1)
        #expect(after > 0.6, "\(name): P(a) \(before) → \(after)")
    }

    @Test func betaZeroNeverEvaluatesTheReference() throws {
        let toy = try ToyPolicy(.grpo(GRPOParameters()))
        #expect((toy.learner as! GRPO).reference == nil)
        #expect(try toy.step(0).kl == nil)
        var withKL = GRPOParameters()
        withKL.beta = 0.1
        let toy2 = try ToyPolicy(.grpo(withKL))
        // The reference starts equal to the policy, so the KL is 0 until an update moves the policy.
        let kls = try (0..<6).map { try toy2.step($0).kl ?? -1 }
        #expect(kls[0] == 0 && kls.allSatisfy { $0 >= 0 } && kls.contains { $0 > 0 }, "\(kls)")
    }
}

struct CheckBaselineTests {
    /// The GRPO loss on a hand-made batch, on-policy with one pass: minus the token mean of the
    /// advantages. With `checkBaseline`, a response's tokens from its first failed check on
    /// (`failedCheckEnd`) have its reward against the mean of its group's responses that failed
    /// a check, over the group's std, where those rewards differ; the tokens before, and every
    /// token where they do not, keep the group advantage. Computed here from the rewards by hand.
    @Test(arguments: [false, true])
    func tokensAfterAFailedCheckAreBaselinedAgainstTheirPeers(on: Bool) throws {
        var g = GRPOParameters()
        g.checkBaseline = on
        let toy = try ToyPolicy(.grpo(g))
        let ids = try toy.tokenizer.encode("abc")
        // Group 0: three responses failed a check, at different tokens, with different rewards;
        // group 1: one did; group 2: two did, alike.
        let rewards: [[Double]] = [[1.1, 0.1, 0.6, 0.1], [0.1, 0.1, 0.1, 1.1], [1.1, 0.1, 0.1, 1.1]]
        let cuts: [[Int?]] = [[nil, 0, 1, 2], [1, nil, nil, nil], [nil, 1, 2, nil]]
        let groups = cuts.map { $0.map { Trajectory(prompt: [toy.tokenizer.bosID], response: ids, truncated: false, failedCheckEnd: $0) } }
        let result = try toy.learner.update(RolloutBatch(groups: groups, rewards: rewards), context: UpdateContext(step: 1, learningRate: 0))
        var sum = 0.0
        for (r, c) in zip(rewards, cuts) {
            let mean = r.reduce(0, +) / 4
            let std = (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3).squareRoot() + 1e-4
            let failed = c.indices.filter { c[$0] != nil }
            let failedMean = failed.reduce(0) { $0 + r[$1] } / Double(failed.count)
            let contrast = Set(failed.map { r[$0] }).count > 1
            for i in 0..<4 {
                for k in 0..<ids.count {
                    let after = on && contrast && c[i].map { k >= $0 } == true
                    sum += after ? (r[i] - failedMean) / std : (r[i] - mean) / std
                }
            }
        }
        let tokens = Double(12 * ids.count)
        #expect(abs(result.loss - -sum / tokens) < 1e-6, "\(result.loss) against \(-sum / tokens)")
        // Group 0's three failed responses; group 1's one and group 2's two alike have no contrast.
        #expect(result.metrics.first { $0.0 == "grpo/check_baselined" }?.1 == (on ? .int(3) : nil))
    }

    /// A rollout's `failedCheckEnd` indexes its response tokens: the tokens before it decode to
    /// the text up to the end of the first check line that fails.
    @Test func aRolloutsFailedCheckIndexesItsTokens() throws {
        let policy = try PolicyTests().policy()
        let problem = Problem(id: "sub-t", family: .sub, difficulty: 1, question: "9-3", answer: "6")
        let text = "<think>Step by step.\n9-3=6\nso 7\ncheck 7+3=10 wrong\nwait, redo\nso 6\ncheck 6+3=9 ok</think><answer>6</answer>"
        let tokens = try policy.tokenizer.encode(text) + [policy.tokenizer.eosID]
        let r = try policy.rollout(problem, prompt: [policy.tokenizer.bosID],
                                   sample: Sample(tokens: tokens, logProbs: tokens.map { _ in 0 }, stopReason: .eos))
        let cut = try #require(r.failedCheckEnd)
        #expect(try policy.tokenizer.decode(Array(tokens[..<cut])) == "<think>Step by step.\n9-3=6\nso 7\ncheck 7+3=10 wrong")
        #expect(r.trajectory.failedCheckEnd == cut)
        let passed = try policy.rollout(problem, prompt: [policy.tokenizer.bosID],
                                        sample: Sample(tokens: try policy.tokenizer.encode("<think>so 6\ncheck 6+3=9 ok</think><answer>6</answer>"), logProbs: [], stopReason: .eos))
        #expect(passed.failedCheckEnd == nil)
        // A PAD the sampler wrote, which decoding drops, would shift the index: none is given.
        let padded = try policy.rollout(problem, prompt: [policy.tokenizer.bosID],
                                        sample: Sample(tokens: [policy.tokenizer.padID] + tokens, logProbs: [0] + tokens.map { _ in 0 }, stopReason: .eos))
        #expect(padded.response == r.response && padded.failedCheckEnd == nil)
    }
}

struct ResumeTests {
    /// A tiny base checkpoint and a tiny run configuration.
    func setUp() throws -> (base: String, config: TrainingParameters, heldout: [Problem]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-resume-\(UUID().uuidString)").path
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 96, nLayer: 1, nHead: 2, nEmbd: 16), seed: 4)
        try Checkpoint.save(model, meta: CheckpointMeta(config: model.config, vocabulary: tokenizer.vocabulary), to: dir + "/base")
        var p = TrainingParameters()
        p.steps = 4
        p.promptsPerStep = 3
        p.groupSize = 4
        p.maxResponseLength = 40
        p.evalEvery = 2
        p.evalProblems = 14
        p.saveEvery = 2
        p.samplesEvery = 1
        p.learningRate = 1e-2
        // A random policy earns no reward, so advantages are 0; weight decay still moves the
        // weights every step, which makes the sampled responses, and so the metrics, depend on
        // the optimizer state being restored exactly.
        p.weightDecay = 0.5
        return (dir, p, HeldoutSet(perFamily: 10).problems)
    }

    func stripTimes(_ file: String) throws -> [String] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
            guard case var .object(o) = try JSONValue.parse(String(line)) else { return "" }
            for k in ["time/sample_s", "time/score_s", "time/train_s", "time/elapsed_s", "tokens_per_s", "memory/peak_rss_mb"] { o[k] = nil }
            return JSONValue.object(o).serialized
        }
    }

    @Test(arguments: [
        AlgorithmParameters.grpo(GRPOParameters()),
        { var p = PPOParameters(); p.iterations = 2; p.beta = 0.05; p.klTarget = 0.001; return .ppo(p) }(),
        { var p = PPOParameters(); p.critic.placement = .shared; return .ppo(p) }(),
        AlgorithmParameters.trpo(TRPOParameters()),
        { var p = TRPOParameters(); p.advantages = .gae; return .trpo(p) }(),
        AlgorithmParameters.rloo(PolicyGradientParameters()),
    ])
    func fourStepsEqualTwoThenResumeThenTwo(algorithm: AlgorithmParameters) throws {
        let (dir, p, heldout) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = RunConfig(base: dir + "/base", training: p, algorithm: algorithm)
        try Trainer(config: config, run: dir + "/straight", heldout: heldout).train()

        var stopAfter = 0
        try Trainer(config: config, run: dir + "/split", heldout: heldout).train(shouldStop: { stopAfter += 1; return stopAfter == 2 })
        #expect(RunDirectory(dir + "/split").checkpointSteps == [2])
        let resumed = try Trainer.resume(run: dir + "/split", heldout: heldout)
        #expect(resumed.step == 2)
        try resumed.train()

        let straight = try stripTimes(dir + "/straight/metrics.jsonl"), split = try stripTimes(dir + "/split/metrics.jsonl")
        #expect(straight.count == 4)
        // The steps differ from each other (the weights moved), so equality says something.
        let entropies = try String(contentsOfFile: dir + "/straight/metrics.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0))["entropy"]?.doubleValue }
        #expect(Set(entropies).count == 4)
        #expect(straight == split)
        #expect(try stripTimes(dir + "/straight/eval.jsonl") == stripTimes(dir + "/split/eval.jsonl"))
        let a = try Checkpoint.load(from: dir + "/straight/step_000004").model.params.array
        let b = try Checkpoint.load(from: dir + "/split/step_000004").model.params.array
        #expect(a == b)
        // A critic's weights and optimizer state were restored exactly too.
        for file in [Critic.weightsFile, Critic.optimizerFile] {
            let x = FileManager.default.contents(atPath: dir + "/straight/step_000004/" + file)
            #expect(x == FileManager.default.contents(atPath: dir + "/split/step_000004/" + file), "\(file)")
        }
        // And the run changed the weights at all, and so its samples. (Group-relative TRPO takes no
        // AdamW step, so with every reward 0 it has nothing to move by; with GAE the critic's
        // values make the advantages non-zero and it moves.)
        if !(algorithm == .trpo(TRPOParameters())) {
            #expect(try Checkpoint.load(from: dir + "/base").model.params.array != a)
        }
    }

    @Test func anExistingRunIsNotOverwritten() throws {
        let (dir, p, heldout) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var short = p
        short.steps = 1
        let config = RunConfig(base: dir + "/base", training: short)
        try Trainer(config: config, run: dir + "/run", heldout: heldout).train()
        #expect(throws: ParameterError.self) { try Trainer(config: config, run: dir + "/run", heldout: heldout) }
        #expect(throws: ParameterError.self) { try Trainer.resume(run: dir + "/nothing", heldout: heldout) }
    }
}
