// The RL steps of `lab bench`, set up like the peers' TRL benchmark (../shared/peers/grpo_bench.py):
// the tiny model, prompts `a+b=`, 8 prompts × G = 8, at most 32 generated tokens at temperature 1,
// reward 1 when the completion starts with the sum. `grpo-tiny` is GRPO with β = 0.04 (so the
// reference model is evaluated), as the TRL peer runs it. `algo-<name>` is each algorithm with its
// defaults, one process each, so its peak memory is its own; its reward is the share of digits in
// the completion, which varies from the first step (an untrained model never writes the sum, and
// with every reward equal TRPO's conjugate gradient would stop at once and time nothing).
import Foundation
import GPT
import Tasks

public struct AlgorithmBenchmarkResult: Codable, Sendable {
    public var config: String
    /// Median seconds per step (sampling, scoring, the update).
    public var stepS: Double
    /// Median seconds of the update alone.
    public var updateS: Double
    public var completionsPerS: Double
    public var completionTokensPerS: Double
    public var meanCompletionLength: Double
    /// Bytes of model parameters the algorithm holds (policy, reference, critic, value head).
    public var parameterBytes: Int
    /// Bytes of gradient buffers.
    public var gradientBytes: Int
    /// Bytes of optimizer state (AdamW moments; TRPO's conjugate-gradient vectors during its step).
    public var optimizerBytes: Int
    /// The process's maximum resident set so far, MB (filled in by the caller that owns the process).
    public var peakRSSMB: Double?

    enum CodingKeys: String, CodingKey {
        case config, stepS = "step_s", updateS = "update_s", completionsPerS = "completions_per_s"
        case completionTokensPerS = "completion_tokens_per_s", meanCompletionLength = "mean_completion_len"
        case parameterBytes = "parameter_bytes", gradientBytes = "gradient_bytes", optimizerBytes = "optimizer_bytes"
        case peakRSSMB = "peak_rss_mb"
    }
}

public enum AlgorithmBenchmark {
    /// `grpo-tiny`: GRPO with β = 0.04.
    public static func grpoTiny(steps: Int = 12, skipFirst: Int = 2) throws -> AlgorithmBenchmarkResult {
        var g = GRPOParameters()
        g.beta = 0.04
        return try run(.grpo(g), config: "grpo-tiny", steps: steps, skipFirst: skipFirst) { text, sum in text.hasPrefix(String(sum)) ? 1 : 0 }
    }

    /// `algo-<name>`: the algorithm with its default parameters.
    public static func run(_ name: AlgorithmName, steps: Int = 8, skipFirst: Int = 2) throws -> AlgorithmBenchmarkResult {
        try run(.defaults(name), config: "algo-" + name.rawValue, steps: steps, skipFirst: skipFirst) { text, _ in
            text.isEmpty ? 0 : Double(text.filter(\.isNumber).count) / Double(text.count)
        }
    }

    static func run(_ algorithm: AlgorithmParameters, config name: String, steps: Int, skipFirst: Int,
                    reward: (_ completion: String, _ sum: Int) -> Double) throws -> AlgorithmBenchmarkResult {
        let tokenizer = try CharTokenizer()
        var config = GPTConfig.tiny
        config.vocabSize = tokenizer.vocabSize
        let model = try GPTModel(config: config, seed: 1)
        let base = model.params.array
        let reference = algorithm.needsReference ? try GPTModel(config: config, parameters: base) : nil
        var t = TrainingParameters()
        t.promptsPerStep = 8
        t.groupSize = 8
        t.maxResponseLength = 32
        let setup = AlgorithmSetup(policy: model, reference: reference, loadBase: { try GPTModel(config: config, parameters: base) },
                                   training: t, padID: tokenizer.padID, policyOptimizer: nil)
        let learner = try algorithm.make(setup)
        let sampler = Sampler(model: model, maxBatch: 64)
        var rng = SeededRandom(seed: 7)
        var times: [Double] = [], updates: [Double] = [], lengths: [Int] = []
        let clock = ContinuousClock()
        for step in 0..<steps {
            let pairs = (0..<t.promptsPerStep).map { _ in (rng.int(in: 0...99), rng.int(in: 0...99)) }
            let t0 = clock.now
            let prompts = try pairs.map { [tokenizer.bosID] + (try tokenizer.encode("\($0.0)+\($0.1)=")) }
            let jobs = prompts.flatMap { pr in Array(repeating: pr, count: t.groupSize) }
            let samples = try sampler.generate(prompts: jobs,
                                               rngs: jobs.indices.map { SeededRandom(seed: 3, derive: UInt64(step), UInt64($0)) },
                                               parameters: SamplingParameters(maxNewTokens: t.maxResponseLength, eosID: tokenizer.eosID))
            var groups: [[Trajectory]] = [], rewards: [[Double]] = []
            for (g, (a, b)) in pairs.enumerated() {
                let members = samples[(g * t.groupSize)..<((g + 1) * t.groupSize)]
                groups.append(members.map { Trajectory(prompt: prompts[g], response: $0.tokens, truncated: $0.stopReason != .eos) })
                rewards.append(try members.map { s in reward(try tokenizer.decode(s.tokens.filter { $0 != tokenizer.eosID }), a + b) })
            }
            let t1 = clock.now
            _ = try learner.update(RolloutBatch(groups: groups, rewards: rewards), context: UpdateContext(step: step + 1, learningRate: 1e-4))
            if step >= skipFirst {
                times.append((clock.now - t0) / .seconds(1))
                updates.append((clock.now - t1) / .seconds(1))
                lengths += samples.map(\.tokens.count)
            }
        }
        let median = { (xs: [Double]) in xs.sorted()[xs.count / 2] }
        let mean = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
        let n = Double(t.batchSize)
        let f = learner.footprint
        return AlgorithmBenchmarkResult(config: name, stepS: median(times), updateS: median(updates), completionsPerS: n / median(times),
                                        completionTokensPerS: n * mean / median(times), meanCompletionLength: mean,
                                        parameterBytes: f.parameters, gradientBytes: f.gradients, optimizerBytes: f.optimizer)
    }
}
