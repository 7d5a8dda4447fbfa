// `lab sample`: sampled responses of a checkpoint to one question, with their verdicts.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Print sampled responses to a question with their verdicts.",
        discussion: "Example: lab sample checkpoints/r1zero/step_000190 --question 347*28 --samples 4 --temperature 0.7")

    @Argument(help: "Checkpoint directory (e.g. checkpoints/base).")
    var checkpoint: String

    @Option(help: "The question, as in a problem file: 347*28, 84/36, 3/4+5/6, 3x+5=20, make 24 from 2,3,4.")
    var question: String

    @Option(name: [.customLong("samples"), .customShort("n")], help: "How many responses.")
    var n = 8

    @Option(help: "Seed of the samples.")
    var seed: UInt64 = 0

    @OptionGroup(title: "Sampling (--max-length default 256)")
    var sampling: SamplingOptions

    @Flag(help: "Print one JSON object per response (response, verdict, reason, reward, length, truncated) instead of text.")
    var json = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--samples must be at least 1; got \(n)") }
    }

    mutating func run() throws {
        checkpoint = try InputPath.resolve(checkpoint, what: "CHECKPOINT")
        let problem = try CLIError.problem(question: question)
        let loaded = try CLIError.loadCheckpoint(checkpoint)
        let policy = Policy(loaded)
        let t = self.sampling.temperature ?? 1
        let sampling = SamplingParameters(temperature: t, topP: self.sampling.topP ?? 1, greedy: t == 0,
                                          maxNewTokens: self.sampling.maxLength ?? 256)
        let rollouts = try policy.rollouts([problem], samplesEach: n, sampling: sampling, seed: seed, stream: 0)[0]
        if json {
            for r in rollouts {
                let s = r.scored
                print(JSONValue.object(ordered: [("response", .string(r.response)), ("verdict", .string(s.verdict.name)),
                                                 ("reason", .string(s.verdict.reason)), ("reward", .double(s.reward.total)),
                                                 ("length", .int(r.length)), ("truncated", .bool(r.truncated))]))
            }
            return
        }
        print("\(problem.family.rawValue): \(problem.question)" + (problem.answer.isEmpty ? "" : "  (answer \(problem.answer))"))
        for (i, r) in rollouts.enumerated() {
            let s = r.scored
            let reason = s.verdict.reason.isEmpty ? "" : " (\(s.verdict.reason))"
            print("\n[\(i + 1)] \(s.verdict.name)\(reason)  reward \(s.reward.total)  length \(r.length)  steps \(s.steps.correct)/\(s.steps.checked) true\(r.truncated ? "  truncated" : "")")
            print(r.response)
        }
    }
}
