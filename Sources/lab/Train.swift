// `lab train`: R1-Zero-style GRPO from the base model, logging length and accuracy.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

/// Set by SIGINT; the trainer checks it after every step, saves and exits.
nonisolated(unsafe) var interruptRequested = false

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train with GRPO from the base model on generated problems (rule-based rewards only).",
        discussion: """
        Defaults live in GRPOParameters (README "Training"); --config FILE.json overrides any of its fields,
        flags override the file. The run directory gets config.json, metrics.jsonl, eval.jsonl, samples/ and
        step_NNNNNN/ checkpoints. Ctrl-C saves a checkpoint and exits; --resume RUN continues exactly.
        """)

    @Option(help: "Run directory (default: checkpoints/run-<date>-<time>).")
    var out: String?

    @Option(help: "Continue the run in this directory from its latest checkpoint.")
    var resume: String?

    @Option(help: "Checkpoint to start from (and the KL reference).")
    var base = "checkpoints/base"

    @Option(help: "JSON file of GRPOParameters fields.")
    var config: String?

    @Option(help: "Held-out problems: never trained on; a fixed slice is evaluated.")
    var heldout = HeldoutSet.defaultPath

    @Option(help: "Optimisation steps (with --resume: the new total).") var steps: Int?
    @Option(help: "Run seed.") var seed: UInt64?
    @Option(help: "P: prompts per step.") var promptsPerStep: Int?
    @Option(help: "G: responses per prompt.") var groupSize: Int?
    @Option(help: "Most generated characters per response.") var maxLength: Int?
    @Option(help: "Sampling temperature.") var temperature: Float?
    @Option(help: "Top-p of sampling.") var topP: Float?
    @Option(help: "Peak learning rate.") var lr: Float?
    @Option(help: "constant or cosine.") var schedule: ScheduleKind?
    @Option(help: "Warm-up steps.") var warmup: Int?
    @Option(help: "AdamW weight decay.") var weightDecay: Float?
    @Option(help: "Gradient-norm clip.") var gradClip: Float?
    @Option(help: "β: KL coefficient to the base model (0: no reference).") var beta: Double?
    @Option(help: "ε_low of the ratio clip.") var epsilonLow: Double?
    @Option(help: "ε_high of the ratio clip.") var epsilonHigh: Double?
    @Option(help: "μ: passes over each batch.") var iterations: Int?
    @Option(help: "Optimizer steps per pass.") var miniBatches: Int?
    @Option(help: "grpo, dapo or dr_grpo.") var loss: LossAggregation?
    @Option(help: "group, batch or none.") var scaleRewards: RewardScaling?
    @Option(help: "Weight of the format reward.") var formatWeight: Double?
    @Option(help: "Weight of the step reward (fraction of true claims).") var stepWeight: Double?
    @Flag(help: "Leave truncated responses out of the loss.") var maskTruncated = false
    @Flag(help: "Leave zero-variance groups out of the loss.") var skipZeroVariance = false
    @Option(help: "Curriculum, e.g. add:1-6,mul:1-3,countdown:3-4 (weights with @: mul:1-3@2).") var families: String?
    @Option(help: "Held-out evaluation every N steps (0: never).") var evalEvery: Int?
    @Option(help: "Save traces every N steps.") var samplesEvery: Int?
    @Option(help: "Checkpoint every N steps.") var saveEvery: Int?

    func resolved() throws -> GRPOParameters {
        var p = GRPOParameters()
        if let config { p = try loadJSON(GRPOParameters.self, from: config, overriding: p) }
        if let steps { p.steps = steps }
        if let seed { p.seed = seed }
        if let promptsPerStep { p.promptsPerStep = promptsPerStep }
        if let groupSize { p.groupSize = groupSize }
        if let maxLength { p.maxResponseLength = maxLength }
        if let temperature { p.temperature = temperature }
        if let topP { p.topP = topP }
        if let lr { p.learningRate = lr }
        if let schedule { p.schedule = schedule }
        if let warmup { p.warmupSteps = warmup }
        if let weightDecay { p.weightDecay = weightDecay }
        if let gradClip { p.gradClip = gradClip }
        if let beta { p.beta = beta }
        if let epsilonLow { p.epsilonLow = epsilonLow }
        if let epsilonHigh { p.epsilonHigh = epsilonHigh }
        if let iterations { p.iterations = iterations }
        if let miniBatches { p.miniBatches = miniBatches }
        if let loss { p.loss = loss }
        if let scaleRewards { p.scaleRewards = scaleRewards }
        if let formatWeight { p.rewards.format = formatWeight }
        if let stepWeight { p.rewards.steps = stepWeight }
        if maskTruncated { p.maskTruncated = true }
        if skipZeroVariance { p.skipZeroVarianceGroups = true }
        if let families {
            do { p.curriculum = try Curriculum(spec: families) } catch { throw ValidationError("--families: \(error)") }
        }
        if let evalEvery { p.evalEvery = evalEvery }
        if let samplesEvery { p.samplesEvery = samplesEvery }
        if let saveEvery { p.saveEvery = saveEvery }
        do { try p.validate() } catch { throw ValidationError("\(error)") }
        return p
    }

    func run() throws {
        let heldoutProblems = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readProblems(heldout) }
        let trainer: GRPOTrainer
        do {
            if let resume {
                trainer = try GRPOTrainer.resume(run: resume, heldout: heldoutProblems, steps: steps)
                say("resuming \(resume) at step \(trainer.step) of \(trainer.config.grpo.steps)")
            } else {
                let name = out ?? "checkpoints/run-" + Self.timestamp()
                trainer = try GRPOTrainer(config: RunConfig(base: base, grpo: try resolved()), run: name, heldout: heldoutProblems)
                say("training \(name) from \(base): \(trainer.config.grpo.steps) steps of "
                      + "\(trainer.config.grpo.promptsPerStep) prompts × \(trainer.config.grpo.groupSize) responses")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw CLIError(message: "\(error)", hint: "lab train --help lists the options; README \"Training\" explains them")
        }
        signal(SIGINT) { _ in interruptRequested = true }
        do {
            try trainer.train(shouldStop: { interruptRequested }) { say($0) }
        } catch let e as TrainingError {
            throw CLIError(message: "\(e)", hint: "try a lower --lr; the last good checkpoint is kept: --resume \(trainer.run.path) continues from it")
        }
        say("done: \(trainer.run.path)")
    }

    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

extension ScheduleKind: ExpressibleByArgument {}
extension LossAggregation: ExpressibleByArgument {}
extension RewardScaling: ExpressibleByArgument {}
