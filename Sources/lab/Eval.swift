// `lab eval`: checkpoints on held-out problems: greedy pass@1, and with k samples mean@k, pass@k
// and maj@k; format rate, response lengths and step accuracy, per family and per difficulty.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate checkpoints on held-out problems: greedy pass@1; mean@k, pass@k and maj@k with --samples k.",
        discussion: """
        CHECKPOINT is a checkpoint directory or a run directory, which stands for all its step_NNNNNN/ checkpoints \
        in step order. Greedy pass@1 is always measured; --samples k (k > 1) adds k responses per problem sampled \
        at --temperature (default 1, the policy's own distribution): mean@k is their mean accuracy, pass@k the \
        unbiased estimate that one of k is correct, maj@k the accuracy of the majority answer (answers compared \
        exactly as values; ties go to the answer given first). Format rate, lengths, reasoning share and step \
        accuracy are of the greedy responses. One checkpoint prints a table per family and difficulty; several \
        print a row each. Progress and speed go to standard error.

        Examples:
          lab eval checkpoints/base checkpoints/r1zero/step_000190 --per-family 50
          lab eval checkpoints/r1zero/step_000190 --samples 64 --json pass-at-k.json
        """)

    @Argument(help: "Checkpoint directories or run directories.")
    var checkpoints: [String]

    @Option(help: "Problems file.")
    var problems = HeldoutSet.defaultPath

    @Option(help: "Only the first N problems of each family in the file (the held-out file cycles through difficulties, so a prefix keeps the spread).")
    var perFamily: Int?

    @Option(help: "k: responses sampled per problem for mean@k, pass@k and maj@k (1: greedy pass@1 only).")
    var samples = 1

    @OptionGroup(title: "Sampling (of the --samples k pass; greedy pass@1 takes none; --max-length default: what the context leaves)")
    var sampling: SamplingOptions

    @Option(help: "Seed of the samples.")
    var seed: UInt64 = 0

    @Option(help: "Sequences sampled together by the batched KV-cache sampler.")
    var batch = EvalParameters().batch

    @Option(help: "Write the results as a JSON array, one object per checkpoint, to this file.")
    var json: String?

    @Option(help: "Write every greedy response to this file, one JSON line each in the record of the traces training saves (step, problem, response, verdict, reward, steps), checkpoint after checkpoint.")
    var responses: String?

    @Flag(help: "With several checkpoints, also print each one's table per family and difficulty.")
    var detail = false

    func validate() throws {
        if let perFamily, perFamily < 1 { throw ValidationError("--per-family must be at least 1, not \(perFamily)") }
        if (sampling.temperature != nil || sampling.topP != nil) && samples == 1 {
            throw ValidationError("--temperature sets the temperature of the --samples k pass; add --samples k with k > 1 "
                                  + "(greedy pass@1 takes no temperature)")
        }
        _ = try parameters()
    }

    func parameters() throws -> EvalParameters {
        var p = EvalParameters()
        p.samples = samples
        if let t = sampling.temperature { p.temperature = t }
        if let topP = sampling.topP { p.topP = topP }
        p.seed = seed
        p.maxNewTokens = sampling.maxLength
        p.batch = batch
        do { try p.validate() } catch { throw ValidationError("\(error)") }
        return p
    }

    mutating func run() throws {
        problems = try InputPath.resolve(problems, what: "--problems")
        checkpoints = try InputPath.resolve(checkpoints, what: "CHECKPOINT")
        let p = try parameters()
        if let json { try OutputPath.checkFile(json, flag: "--json") }
        if let responses { try OutputPath.checkFile(responses, flag: "--responses") }
        let numbered = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readNumberedProblems(problems) }
        var set = numbered.map(\.value)
        if let perFamily { set = set.spread(perFamily * Set(set.map(\.family)).count) }
        guard !set.isEmpty else {
            throw CLIError(message: "\(problems): no problems", hint: "expected one JSON problem per line; see README \"Problem format\"")
        }
        let paths = try CLIError.runInput { () throws(InputFileError) in try RunDirectory.checkpoints(in: checkpoints) }
        Cluster.warnIfGenericKernel()
        print("\(problems): \(set.count) problems; greedy pass@1"
              + (p.samples > 1 ? ", and \(p.samples) samples each at temperature \(p.temperature) (seed \(p.seed))" : ""))
        let progress = ProgressLine()
        var results: [CheckpointEvaluation] = []
        for path in paths {
            let loaded = try CLIError.loadCheckpoint(path)
            try CLIError.checkQuestions(numbered, path: problems, for: loaded.model, loaded.tokenizer)
            let r = try CheckpointEvaluation.run(loaded, name: path, problems: set, parameters: p) { e in
                progress.show("\(path): \(e.pass) \(e.done)/\(e.total) problems, "
                              + String(format: "%.1f problems/s", Double(e.done) / max(e.seconds, 1e-9)))
            }
            progress.clear()
            let speed = r.problemsPerSecond
            var line = "\(path): greedy " + String(format: "%.1f s (%.1f problems/s)", r.greedySeconds, speed.greedy)
            if let s = r.sampledSeconds, let sp = speed.sampled {
                line += "; \(p.samples) samples " + String(format: "%.1f s (%.1f problems/s)", s, sp)
            }
            progress.say(line)
            results.append(r)
        }
        if results.count == 1 || detail {
            for r in results {
                if results.count > 1 { print("\n\(r.checkpoint) (step \(r.step))") }
                print(EvalTables.breakdown(greedy: r.greedy, sampled: r.sampled, k: p.samples))
            }
        }
        if results.count > 1 {
            if detail { print("") }
            print(EvalTables.acrossCheckpoints(results))
        }
        if p.samples > 1, let curves = EvalTables.passCurves(results) {
            print("\npass@k against k (\(p.samples) samples per problem, unbiased estimator):")
            print(curves)
        }
        if let json {
            try AtomicFile.write(CheckpointEvaluation.jsonArray(results), to: json)
            progress.say("wrote \(json)")
        }
        if let responses {
            let lines = results.flatMap { r in r.greedyRollouts.map { TraceRecord(rollout: $0, advantage: nil, step: r.step).jsonLine + "\n" } }
            try AtomicFile.write(lines.joined(), to: responses)
            progress.say("wrote \(responses)")
        }
    }
}

/// Progress on standard error: a line rewritten in place when standard error is a terminal,
/// nothing otherwise (standard output stays clean for the tables either way).
final class ProgressLine {
    let live = isatty(STDERR_FILENO) == 1
    private var shown = false

    func show(_ text: String) {
        guard live else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        shown = true
    }

    func clear() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); shown = false }
    }

    /// A permanent line on standard error.
    func say(_ text: String) {
        clear()
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
