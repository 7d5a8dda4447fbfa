// GRPO's maths on hand-computed examples, a toy task it must learn, and exact resume.
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

struct ParameterValidationTests {
    @Test(arguments: [
        ({ @Sendable (p: inout GRPOParameters) in p.groupSize = 1 }, "--group-size (\"groupSize\" in --config) must be at least 2"),
        ({ @Sendable (p: inout GRPOParameters) in p.promptsPerStep = 0 }, "--prompts-per-step"),
        ({ @Sendable (p: inout GRPOParameters) in p.temperature = 0 }, "--temperature"),
        ({ @Sendable (p: inout GRPOParameters) in p.topP = 0 }, "--top-p"),
        ({ @Sendable (p: inout GRPOParameters) in p.learningRate = -1e-4 }, "--lr"),
        ({ @Sendable (p: inout GRPOParameters) in p.warmupSteps = -1 }, "--warmup"),
        ({ @Sendable (p: inout GRPOParameters) in p.weightDecay = -0.1 }, "--weight-decay"),
        ({ @Sendable (p: inout GRPOParameters) in p.gradClip = 0 }, "--grad-clip"),
        ({ @Sendable (p: inout GRPOParameters) in p.beta = .nan }, "--beta"),
        ({ @Sendable (p: inout GRPOParameters) in p.epsilonLow = 1 }, "--epsilon-low"),
        ({ @Sendable (p: inout GRPOParameters) in p.miniBatches = p.promptsPerStep * p.groupSize + 1 }, "--mini-batches"),
        ({ @Sendable (p: inout GRPOParameters) in p.rewards.format = .infinity }, "--format-weight"),
        ({ @Sendable (p: inout GRPOParameters) in p.evalEvery = -1 }, "--eval-every"),
        ({ @Sendable (p: inout GRPOParameters) in p.evalProblems = 0 }, "\"evalProblems\" in --config must be at least 1"),
        ({ @Sendable (p: inout GRPOParameters) in p.samplesEvery = -1 }, "--samples-every"),
        ({ @Sendable (p: inout GRPOParameters) in p.saveEvery = -1 }, "--save-every"),
        ({ @Sendable (p: inout GRPOParameters) in p.minLearningRate = 1 }, "\"minLearningRate\" in --config"),
        ({ @Sendable (p: inout GRPOParameters) in p.curriculum.entries = [] }, "--families"),
        ({ @Sendable (p: inout GRPOParameters) in p.curriculum.entries[0].weight = 0 }, "--families"),
        ({ @Sendable (p: inout GRPOParameters) in p.curriculum.entries[0].difficulties = 0...2 }, "--families"),
    ] as [(@Sendable (inout GRPOParameters) -> Void, String)])
    func nonsenseIsRejectedNamingTheFlag(change: @Sendable (inout GRPOParameters) -> Void, message: String) {
        var p = GRPOParameters()
        change(&p)
        do { try p.validate(); Issue.record("accepted") } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
    }

    @Test func defaultsAndEdgeValuesAreAccepted() throws {
        var p = GRPOParameters()
        try p.validate()
        (p.evalEvery, p.evalProblems, p.samplesEvery, p.saveEvery, p.steps) = (0, 0, 0, 0, 0)
        try p.validate()
    }

    @Test(arguments: [
        ({ @Sendable (p: inout TraceParameters) in p.count = 0 }, "-n must be at least 1"),
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

struct ToyTaskTests {
    /// Prompt BOS; the reward is 1 when the first generated character is "a". A tiny random
    /// policy starts near 1/99 and must learn to prefer "a" within a few steps.
    @Test func tinyPolicyLearnsTheRewardedOutput() throws {
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 16, nLayer: 1, nHead: 2, nEmbd: 16), seed: 5)
        var p = GRPOParameters()
        p.learningRate = 3e-2
        let opt = GRPOOptimizer(model: model, reference: nil, adam: AdamW(layout: model.layout), parameters: p, padID: tokenizer.padID)
        let sampler = Sampler(model: model, maxBatch: 64)
        let a = try tokenizer.encode("a")[0]
        func rate(_ step: Int) throws -> Double {
            let samples = try sampler.generate(prompts: Array(repeating: [tokenizer.bosID], count: 64),
                                               rngs: (0..<64).map { GPTRandom(seed: 1, derive: UInt64(step), UInt64($0)) },
                                               parameters: SamplingParameters(maxNewTokens: 2))
            return Double(samples.filter { $0.tokens.first == a }.count) / 64
        }
        let before = try rate(1000)
        for step in 0..<15 {
            let samples = try sampler.generate(prompts: Array(repeating: [tokenizer.bosID], count: 64),
                                               rngs: (0..<64).map { GPTRandom(seed: 2, derive: UInt64(step), UInt64($0)) },
                                               parameters: SamplingParameters(maxNewTokens: 2))
            let trajectories = samples.map { Trajectory(prompt: [tokenizer.bosID], response: $0.tokens, truncated: false) }
            let groups = stride(from: 0, to: 64, by: 8).map { Array(trajectories[$0..<($0 + 8)]) }
            let rewards = groups.map { $0.map { $0.response.first == a ? 1.0 : 0.0 } }
            _ = try opt.step(groups, rewards: rewards, learningRate: p.learningRate, stepIndex: step)
        }
        let after = try rate(1000)
        #expect(before < 0.1)
        #expect(after > 0.6, "P(a) \(before) → \(after)")
    }

    @Test func betaZeroNeverEvaluatesTheReference() throws {
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 16, nLayer: 1, nHead: 2, nEmbd: 16), seed: 5)
        let opt = GRPOOptimizer(model: model, reference: model, adam: AdamW(layout: model.layout), parameters: GRPOParameters(), padID: 0)
        #expect(opt.reference == nil)
        let t = Trajectory(prompt: [1], response: [5, 6], truncated: false)
        let stats = try opt.step([[t, t]], rewards: [[0, 1]], learningRate: 1e-3, stepIndex: 0)
        #expect(stats.kl == nil)
        var withKL = GRPOParameters()
        withKL.beta = 0.1
        let opt2 = GRPOOptimizer(model: model, reference: try GPTModel(config: model.config, seed: 9), adam: AdamW(layout: model.layout), parameters: withKL, padID: 0)
        let s2 = try opt2.step([[t, t]], rewards: [[0, 1]], learningRate: 1e-3, stepIndex: 0)
        #expect((s2.kl ?? -1) > 0)
    }
}

struct ResumeTests {
    /// A tiny base checkpoint and a tiny run configuration.
    func setUp() throws -> (base: String, config: GRPOParameters, heldout: [Problem]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-resume-\(UUID().uuidString)").path
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 96, nLayer: 1, nHead: 2, nEmbd: 16), seed: 4)
        try Checkpoint.save(model, meta: CheckpointMeta(config: model.config, vocabulary: tokenizer.vocabulary), to: dir + "/base")
        var p = GRPOParameters()
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
            for k in ["time/sample_s", "time/score_s", "time/train_s", "tokens_per_s"] { o[k] = nil }
            return JSONValue.object(o).serialized
        }
    }

    @Test func fourStepsEqualTwoThenResumeThenTwo() throws {
        let (dir, p, heldout) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = RunConfig(base: dir + "/base", grpo: p)
        try GRPOTrainer(config: config, run: dir + "/straight", heldout: heldout).train()

        var stopAfter = 0
        try GRPOTrainer(config: config, run: dir + "/split", heldout: heldout).train(shouldStop: { stopAfter += 1; return stopAfter == 2 })
        #expect(RunDirectory(dir + "/split").checkpointSteps == [2])
        let resumed = try GRPOTrainer.resume(run: dir + "/split", heldout: heldout)
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
        // And the run changed the weights at all, and so its samples.
        #expect(try Checkpoint.load(from: dir + "/base").model.params.array != a)
    }

    @Test func anExistingRunIsNotOverwritten() throws {
        let (dir, p, heldout) = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var short = p
        short.steps = 1
        let config = RunConfig(base: dir + "/base", grpo: short)
        try GRPOTrainer(config: config, run: dir + "/run", heldout: heldout).train()
        #expect(throws: ParameterError.self) { try GRPOTrainer(config: config, run: dir + "/run", heldout: heldout) }
        #expect(throws: ParameterError.self) { try GRPOTrainer.resume(run: dir + "/nothing", heldout: heldout) }
    }
}
