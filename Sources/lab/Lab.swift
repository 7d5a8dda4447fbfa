// The `lab` command: a thin ArgumentParser front end over the Exact, Tasks and GPT libraries.
import ArgumentParser

@main
struct Lab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "DeepSeek-R1-Zero in miniature: problems, verifier, a character GPT and GRPO on a CPU.",
        subcommands: [Problems.self, Verify.self, Pretrain.self, SampleCommand.self, Train.self, Eval.self, TracesCommand.self, Compare.self,
                      ReportCommand.self, Export.self, Bench.self]
    )
}
