// `lab eval`: accuracy, format rate and response length of a checkpoint on held-out problems.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on held-out problems (default: greedy pass@1).")

    @Argument(help: "Checkpoint directory.")
    var checkpoint: String

    @Option(help: "Problems file.")
    var problems = HeldoutSet.defaultPath

    @Option(help: "Samples per problem.")
    var samples = 1

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Seed of the samples.")
    var seed: UInt64 = 0

    @Option(help: "Most generated characters per response (default: what the context leaves).")
    var maxLength: Int?

    func run() throws {
        let set = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readProblems(problems) }
        let loaded = try CLIError.loadCheckpoint(checkpoint)
        let policy = Policy(loaded)
        let sampling = SamplingParameters(temperature: temperature, greedy: temperature == 0,
                                          maxNewTokens: maxLength ?? loaded.model.config.contextLength)
        let clock = ContinuousClock()
        let start = clock.now
        let rollouts = try policy.rollouts(set, samplesEach: samples, sampling: sampling, seed: seed, stream: 0)
        let seconds = (clock.now - start) / .seconds(1)
        let e = Evaluation(rollouts)
        print("\(checkpoint) on \(problems): \(set.count) problems × \(samples), temperature \(temperature), "
              + String(format: "%.1f problems/s", Double(set.count) / seconds))
        print(e.table)
    }
}
