// The GRPO step of `lab bench` (config `grpo-tiny`), set up like the peers' TRL benchmark
// (../shared/peers/grpo_bench.py): the tiny model, prompts `a+b=`, 8 prompts × G = 8, at most 32
// generated tokens at temperature 1, reward 1 when the completion starts with the sum, β = 0.04
// (so the reference model is evaluated), one optimisation pass.
import Foundation
import GPT
import Tasks

public struct GRPOBenchmarkResult: Codable, Sendable {
    public var config = "grpo-tiny"
    /// Median seconds per step (sampling, scoring, reference, loss, backward, AdamW).
    public var stepS: Double
    public var completionsPerS: Double
    public var completionTokensPerS: Double
    public var meanCompletionLength: Double

    enum CodingKeys: String, CodingKey {
        case config, stepS = "step_s", completionsPerS = "completions_per_s"
        case completionTokensPerS = "completion_tokens_per_s", meanCompletionLength = "mean_completion_len"
    }
}

public enum GRPOBenchmark {
    public static func run(steps: Int = 12, skipFirst: Int = 2) throws -> GRPOBenchmarkResult {
        let tokenizer = try CharTokenizer()
        var config = GPTConfig.tiny
        config.vocabSize = tokenizer.vocabSize
        let model = try GPTModel(config: config, seed: 1)
        let reference = try GPTModel(config: config, parameters: model.params.array)
        var p = GRPOParameters()
        p.promptsPerStep = 8
        p.groupSize = 8
        p.maxResponseLength = 32
        p.beta = 0.04
        let optimizer = GRPOOptimizer(model: model, reference: reference, adam: AdamW(layout: model.layout),
                                      parameters: p, padID: tokenizer.padID)
        let sampler = Sampler(model: model, maxBatch: 64)
        var rng = SeededRandom(seed: 7)
        var times: [Double] = [], lengths: [Int] = []
        let clock = ContinuousClock()
        for step in 0..<steps {
            let pairs = (0..<p.promptsPerStep).map { _ in (rng.int(in: 0...99), rng.int(in: 0...99)) }
            let t0 = clock.now
            let prompts = try pairs.map { [tokenizer.bosID] + (try tokenizer.encode("\($0.0)+\($0.1)=")) }
            let jobs = prompts.flatMap { pr in Array(repeating: pr, count: p.groupSize) }
            let samples = try sampler.generate(prompts: jobs,
                                               rngs: jobs.indices.map { SeededRandom(seed: 3, derive: UInt64(step), UInt64($0)) },
                                               parameters: SamplingParameters(maxNewTokens: p.maxResponseLength, eosID: tokenizer.eosID))
            var groups: [[Trajectory]] = [], rewards: [[Double]] = []
            for (g, (a, b)) in pairs.enumerated() {
                let members = samples[(g * p.groupSize)..<((g + 1) * p.groupSize)]
                groups.append(members.map { Trajectory(prompt: prompts[g], response: $0.tokens, truncated: $0.stopReason != .eos) })
                rewards.append(try members.map { s in
                    (try tokenizer.decode(s.tokens.filter { $0 != tokenizer.eosID })).hasPrefix(String(a + b)) ? 1 : 0
                })
            }
            _ = try optimizer.step(groups, rewards: rewards, learningRate: 1e-4, stepIndex: step)
            if step >= skipFirst {
                times.append((clock.now - t0) / .seconds(1))
                lengths += samples.map(\.tokens.count)
            }
        }
        let median = times.sorted()[times.count / 2]
        let mean = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
        let n = Double(p.promptsPerStep * p.groupSize)
        return GRPOBenchmarkResult(stepS: median, completionsPerS: n / median,
                                   completionTokensPerS: n * mean / median, meanCompletionLength: mean)
    }
}
