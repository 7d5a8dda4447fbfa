// `lab traces`: read what a checkpoint writes: sampled responses with their think and answer
// parts set apart, every arithmetic claim marked, the verdict and reward parts; or the traces a
// run saved at a step (or `lab eval --responses` wrote); or two checkpoints answering the same
// problems.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct TracesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traces",
        abstract: "Print reasoning traces: claims marked true (✓) or false (✗), verdicts and reward parts.",
        discussion: """
        lab traces CHECKPOINT samples responses to problems of --problems (default: the held-out set, in a seeded \
        order) or to --question. lab traces RUN_DIR --step N shows the traces saved during training at step N, and \
        lab traces FILE.jsonl those in a file of such records (what lab eval --responses writes). \
        lab traces --compare CKPT_A CKPT_B answers the same problems with both checkpoints and the same seed. \
        Colour when standard output is a terminal and NO_COLOR is unset; plain text when piped.

        Examples:
          lab traces --compare checkpoints/base checkpoints/r1zero/step_000190 --count 3 --family mul
          lab traces checkpoints/r1zero --step 190 --only wrong
          lab traces responses.jsonl --family countdown --only wrong --count 20
        """)

    @Argument(help: "Checkpoint directory, a run directory with --step, or a file of saved traces.")
    var source: String?

    @Option(parsing: .upToNextOption, help: "Two checkpoints answering the same problems (e.g. the base and a trained one).")
    var compare: [String] = []

    @Option(help: "Problems file to draw problems from.")
    var problems: String?

    @Option(help: "Ask this question instead (as in a problems file: 347*28, 3/4+5/6, 3x+5=20, make 24 from 2,3,4).")
    var question: String?

    @Option(help: "With a run directory: the step whose saved traces to show.")
    var step: Int?

    @Option(name: [.customLong("count"), .customShort("n")], help: "How many traces (problems, with --compare).")
    var n = 5

    @Option(help: "Only responses with this verdict: \(VerdictName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: VerdictName?

    @Option(help: "Only problems of this family: \(Family.allCases.map(\.rawValue).joined(separator: ", ")).")
    var family: Family?

    @Option(help: "Seed of the problem order and the samples.")
    var seed: UInt64 = 0

    @OptionGroup(title: "Sampling (--max-length default: what the context leaves)")
    var sampling: SamplingOptions

    @Option(help: "Most responses sampled per checkpoint while looking for traces that pass --only.")
    var maxTries = 512

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError("\(error)") }
        if !compare.isEmpty {
            guard compare.count == 2 else { throw ValidationError("--compare takes two checkpoints, got \(compare.count)") }
            guard source == nil else { throw ValidationError("give either CHECKPOINT or --compare CKPT_A CKPT_B, not both") }
        } else if source == nil {
            throw ValidationError("give a CHECKPOINT (or RUN_DIR --step N), or --compare CKPT_A CKPT_B")
        }
        if problems != nil && question != nil { throw ValidationError("give --problems or --question, not both") }
        if step != nil && (problems != nil || question != nil || !compare.isEmpty) {
            throw ValidationError("--step reads the traces a run saved; it takes no --problems, --question or --compare")
        }
    }

    var parameters: TraceParameters {
        var p = TraceParameters()
        p.count = n
        p.only = only
        p.family = family
        p.seed = seed
        p.temperature = sampling.temperature ?? 1
        p.topP = sampling.topP ?? 1
        p.maxNewTokens = sampling.maxLength
        p.maxTries = maxTries
        return p
    }

    mutating func run() throws {
        if let s = source { source = try InputPath.resolve(s, what: "SOURCE") }
        compare = try InputPath.resolve(compare, what: "--compare")
        if let p = problems { problems = try InputPath.resolve(p, what: "--problems") }
        let painter = TracePainter.forStandardOutput()
        if let step, let source { return try printSaved(run: source, step: step, painter: painter) }
        var isDirectory: ObjCBool = false
        if compare.isEmpty, let source, FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard problems == nil, question == nil else {
                throw CLIError(message: "\(source) is a file of saved traces; they answer their own problems",
                               hint: "drop --problems and --question, or pass a checkpoint directory to sample new traces")
            }
            let all = try CLIError.runInput({ () throws(InputFileError) in try JSONLines.read(source) { try Trace(record: $0) } },
                                            hint: "a traces file holds the records lab eval --responses and lab train's samples/ write")
            return printSaved(all, label: "", painter: painter)
        }
        let paths = compare.isEmpty ? [source!] : compare
        if compare.isEmpty, !RunDirectory.isCheckpoint(paths[0]) {
            let run = RunDirectory(paths[0])
            if !run.checkpointSteps.isEmpty || !run.traceSteps.isEmpty {
                throw CLIError(message: "\(paths[0]) is a run directory, not a checkpoint",
                               hint: "add --step N to read its saved traces (steps with traces: "
                                   + (run.traceSteps.isEmpty ? "none" : run.traceSteps.map(String.init).joined(separator: ", "))
                                   + "), or pass one of its checkpoints, e.g. \(run.checkpoint(step: run.checkpointSteps.last ?? 0))")
            }
        }
        let (pool, repeating, source) = try problemPool()
        let policies = try paths.map { Policy(try CLIError.loadCheckpoint($0)) }
        if let source {
            for policy in policies { try CLIError.checkQuestions(source.problems, path: source.path, for: policy.model, policy.tokenizer) }
        }
        let p = parameters
        // What the samples depend on, so that a trace can be asked for again.
        print((paths.count == 2 ? "\(paths[0]) against \(paths[1])" : paths[0])
              + ": sampled at temperature \(p.temperature), top-p \(p.topP), seed \(p.seed)"
              + (paths.count == 2 ? " (both answer each problem from the same random stream)" : "") + "\n")
        let found = try TraceSampling.sample(policies, problems: pool, repeating: repeating, parameters: p)
        for (i, traces) in found.enumerated() {
            if i > 0 { print("") }
            if traces.count == 2 {
                print(TraceText.compare(traces[0], traces[1], names: (paths[0], paths[1]), index: String(i + 1), painter: painter))
            } else {
                print(TraceText.render(traces[0], index: String(i + 1), painter: painter))
            }
        }
        if found.count < n { noteShortfall(found.count) }
    }

    /// The problems to sample from, whether the one problem is asked repeatedly, and the file they
    /// came from with their line numbers.
    func problemPool() throws -> ([Problem], Bool, (path: String, problems: [(line: Int, value: Problem)])?) {
        if let question {
            let p = try CLIError.problem(question: question)
            if let family, family != p.family {
                throw CLIError(message: "\"\(question)\" is a \(p.family.rawValue) question, not \(family.rawValue)", hint: "drop --family")
            }
            return ([p], true, nil)
        }
        let file = try problems ?? InputPath.resolve(HeldoutSet.defaultPath, what: "--problems")
        let numbered = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readNumberedProblems(file) }
        let all = numbered.map(\.value)
        if all.isEmpty || (family != nil && !all.contains { $0.family == family }) {
            throw CLIError(message: "\(file): no problems" + (family.map { " of family \($0.rawValue)" } ?? ""),
                           hint: "expected one JSON problem per line" + (family == nil ? "" : " with \"family\": \"\(family!.rawValue)\""))
        }
        return (all, false, (file, numbered))
    }

    func printSaved(run path: String, step: Int, painter: TracePainter) throws {
        let run = RunDirectory(path)
        let all = try CLIError.runInput({ () throws(InputFileError) in try run.traces(step: step) },
                                        hint: "lab train saves traces every --samples-every steps under RUN_DIR/samples/")
        printSaved(all, label: "/step \(step)", painter: painter)
    }

    /// Prints the saved traces that pass the filters, up to --count.
    func printSaved(_ all: [Trace], label: String, painter: TracePainter) {
        let shown = all.filter { $0.matches(only: only, family: family) }.prefix(n)
        for (i, t) in shown.enumerated() {
            if i > 0 { print("") }
            print(TraceText.render(t, index: "\(i + 1)\(label)", painter: painter))
        }
        if shown.count < n { noteShortfall(shown.count, of: all.count) }
    }

    /// Says on standard error when fewer traces than asked passed the filters.
    func noteShortfall(_ found: Int, of total: Int? = nil) {
        var filters: [String] = []
        if let only { filters.append("verdict \(only.rawValue)") }
        if let family { filters.append("family \(family.rawValue)") }
        let scope = total.map { "among the \($0) saved traces" } ?? "in \(maxTries) tries"
        let what = filters.isEmpty ? "" : " with " + filters.joined(separator: " and ")
        FileHandle.standardError.write(Data("found \(found) of \(n) traces\(what) \(scope)\n".utf8))
    }
}

extension VerdictName: ExpressibleByArgument {}
