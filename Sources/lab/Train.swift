// `lab train`: R1-Zero-style RL from the base model (GRPO, PPO, TRPO, REINFORCE, RLOO), logging length and accuracy.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

/// Set by SIGINT (Ctrl-C) or SIGTERM (what `kill` and job schedulers send); the trainer checks
/// it after every step, saves and exits.
nonisolated(unsafe) var interruptRequested = false

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a policy by RL from the base model on generated problems (rule-based rewards only).",
        discussion: """
        --algo picks the update: grpo (default), ppo (with a critic), trpo, reinforce or rloo; everything else
        (sampling, rewards, logging, evaluation, checkpoints) is the same loop. Defaults live in TrainingParameters
        and in each algorithm's parameters (README "Training"); --config FILE.json (a flat object of fields, or a
        run's own config.json) overrides them, flags override the file. A flag of another algorithm is an error.
        The run directory gets config.json, metrics.jsonl, eval.jsonl, samples/ and step_NNNNNN/ checkpoints.
        Ctrl-C saves a checkpoint and exits; --resume RUN continues exactly (only --steps may change).

        Examples:
          lab train --out checkpoints/my-run                  # the default GRPO run (20 to 40 minutes on 2 cores)
          lab train --algo ppo --steps 50 --out checkpoints/ppo-50
          lab train --resume checkpoints/my-run --steps 250
        """)

    @Option(help: "Run directory (default: checkpoints/run-<date>-<time>).")
    var out: String?

    @Option(help: "Continue the run in this directory from its latest checkpoint.")
    var resume: String?

    @Option(help: "Checkpoint to start from (and the KL reference; default: checkpoints/base).")
    var base: String?

    @Option(help: "The algorithm: grpo, ppo, trpo, reinforce or rloo.")
    var algo: AlgorithmName?

    @Option(help: "JSON file: a run's config.json or a flat object of fields.")
    var config: String?

    @Option(help: "Held-out problems: never trained on; a fixed slice is evaluated.")
    var heldout = HeldoutSet.defaultPath

    // What every run has.
    @Option(help: "Optimisation steps (with --resume: the new total).\(Self.defaultText("steps"))") var steps: Int?
    @Option(help: "Run seed.\(Self.defaultText("seed"))") var seed: UInt64?
    @Option(help: "P: prompts per step.\(Self.defaultText("promptsPerStep"))") var promptsPerStep: Int?
    @Option(help: "G: responses per prompt.\(Self.defaultText("groupSize"))") var groupSize: Int?
    @OptionGroup(title: "Sampling (training samples: --temperature must be positive; default 1, --max-length \(TrainingParameters().maxResponseLength))")
    var sampling: SamplingOptions
    @Option(help: "Peak learning rate of the policy (not TRPO's).\(Self.defaultText("learningRate"))") var lr: Float?
    @Option(help: "constant or cosine.\(Self.defaultText("schedule"))") var schedule: ScheduleKind?
    @Option(help: "Warm-up steps.\(Self.defaultText("warmupSteps"))") var warmup: Int?
    @Option(help: "AdamW weight decay.\(Self.defaultText("weightDecay"))") var weightDecay: Float?
    @Option(help: "Gradient-norm clip.\(Self.defaultText("gradClip"))") var gradClip: Float?
    @Option(help: "Weight of the accuracy reward (0: format-only control).\(Self.defaultText("rewards.accuracy"))") var accuracyWeight: Double?
    @Option(help: "Random-reward control: replace the accuracy reward by a seeded Bernoulli draw with this probability, independent of the answer (0: off).\(Self.defaultText("rewards.random"))")
    var randomReward: Double?
    @Option(help: "Weight of the format reward.\(Self.defaultText("rewards.format"))") var formatWeight: Double?
    @Option(help: "Weight of the step reward (fraction of true claims).\(Self.defaultText("rewards.steps"))") var stepWeight: Double?
    @Option(help: "Curriculum, e.g. add:1-6,mul:1-3,countdown:3-4 (weights with @: mul:1-3@2). (default: \(TrainingParameters().curriculum.spec))") var families: String?
    @Option(help: "Held-out evaluation every N steps (0: never).\(Self.defaultText("evalEvery"))") var evalEvery: Int?
    @Option(help: "Save traces every N steps.\(Self.defaultText("samplesEvery"))") var samplesEvery: Int?
    @Option(help: "Checkpoint every N steps.\(Self.defaultText("saveEvery"))") var saveEvery: Int?

    // The policy objective (grpo, ppo, reinforce, rloo).
    @Option(help: "β: KL coefficient to the base model (0: no reference).\(Self.defaultText("beta"))") var beta: Double?
    @Option(help: "KL estimator: k1, k3 or full (exact over the vocabulary).\(Self.defaultText("klEstimator"))") var klEstimator: KLEstimator?
    @Option(help: "Target KL of the adaptive β (0: fixed β).\(Self.defaultText("klTarget"))") var klTarget: Double?
    @Option(help: "Entropy bonus coefficient.\(Self.defaultText("entropyCoef"))") var entropyCoef: Double?
    @Option(help: "ε_low of the ratio clip.\(Self.defaultText("epsilonLow"))") var epsilonLow: Double?
    @Option(help: "ε_high of the ratio clip.\(Self.defaultText("epsilonHigh"))") var epsilonHigh: Double?
    @Option(help: "μ: passes over each batch.\(Self.defaultText("iterations"))") var iterations: Int?
    @Option(help: "Optimizer steps per pass.\(Self.defaultText("miniBatches"))") var miniBatches: Int?
    @Option(help: "grpo, dapo or dr_grpo.\(Self.defaultText("loss"))") var loss: LossAggregation?
    @Option(help: "GRPO's policy term: clip, gspo (sequence ratio) or cispo.\(Self.defaultText("policyLoss"))") var policyLoss: PolicyLossKind?
    @Option(help: "group, batch or none (grpo, trpo).\(Self.defaultText("scaleRewards"))") var scaleRewards: RewardScaling?
    @Flag(help: "Leave truncated responses out of the loss.") var maskTruncated = false
    @Flag(help: "Leave zero-variance groups out of the loss (grpo).") var skipZeroVariance = false
    @Flag(help: "Baseline the tokens after a response's first failed check against the group's other responses with a failed check (grpo).") var checkBaseline = false

    // The critic (ppo, trpo with --trpo-advantages gae).
    @Option(help: "PPO's KL to the reference: in the reward or in the loss.\(Self.defaultText("klIn"))") var klIn: KLPlacement?
    @Option(help: "separate (a second GPT) or shared (a head on the policy).\(Self.defaultText("critic.placement"))") var critic: CriticPlacement?
    @Option(help: "GAE γ.\(Self.defaultText("critic.gamma"))") var gamma: Double?
    @Option(help: "GAE λ of the advantages.\(Self.defaultText("critic.lambda"))") var lambda: Double?
    @Option(help: "GAE λ of the critic's targets.\(Self.defaultText("critic.criticLambda"))") var criticLambda: Double?
    @Flag(help: "Do not whiten the advantages.") var noWhiten = false
    @Option(help: "c of the clipped value loss.\(Self.defaultText("critic.valueClip"))") var valueClip: Double?
    @Option(help: "The critic's learning rate.\(Self.defaultText("critic.learningRate"))") var criticLr: Float?
    @Option(help: "Steps that train only the critic.\(Self.defaultText("critic.warmupSteps"))") var criticWarmup: Int?
    @Option(help: "Value-loss coefficient of a shared critic.\(Self.defaultText("critic.valueCoef"))") var vfCoef: Double?

    // TRPO.
    @Option(help: "δ: the trust region's KL bound.\(Self.defaultText("delta"))") var delta: Double?
    @Option(help: "Conjugate-gradient iterations.\(Self.defaultText("cgIterations"))") var cgIterations: Int?
    @Option(help: "Damping added to the Fisher's diagonal.\(Self.defaultText("damping"))") var damping: Double?
    @Option(help: "Share of the batch the Fisher-vector products run on.\(Self.defaultText("fisherFraction"))") var fisherFraction: Double?
    @Option(help: "Line-search shrink factor.\(Self.defaultText("backtrackFactor"))") var backtrackFactor: Double?
    @Option(help: "Line-search tries.\(Self.defaultText("maxBacktracks"))") var maxBacktracks: Int?
    @Option(help: "TRPO's advantages: group or gae (with a critic).\(Self.defaultText("advantages"))") var trpoAdvantages: TRPOAdvantageKind?

    /// The flags given, as overrides of config fields.
    func overrides() throws -> [FieldOverride] {
        var o: [FieldOverride] = []
        func add(_ flag: String, _ path: String, _ value: Any?) { if let value { o.append(FieldOverride(flag: flag, path, value)) } }
        add("--steps", "steps", steps); add("--seed", "seed", seed)
        add("--prompts-per-step", "promptsPerStep", promptsPerStep); add("--group-size", "groupSize", groupSize)
        add("--max-length", "maxResponseLength", sampling.maxLength)
        add("--temperature", "temperature", sampling.temperature.map { Double($0) })
        add("--top-p", "topP", sampling.topP.map { Double($0) }); add("--lr", "learningRate", lr.map { Double($0) })
        add("--schedule", "schedule", schedule?.rawValue); add("--warmup", "warmupSteps", warmup)
        add("--weight-decay", "weightDecay", weightDecay.map { Double($0) }); add("--grad-clip", "gradClip", gradClip.map { Double($0) })
        add("--accuracy-weight", "rewards.accuracy", accuracyWeight); add("--format-weight", "rewards.format", formatWeight)
        add("--step-weight", "rewards.steps", stepWeight); add("--random-reward", "rewards.random", randomReward)
        if let families {
            let c: Curriculum
            do { c = try Curriculum(spec: families) } catch { throw ValidationError("--families: \(error)") }
            add("--families", "curriculum", try JSONMerge.object(c))
        }
        add("--eval-every", "evalEvery", evalEvery); add("--samples-every", "samplesEvery", samplesEvery); add("--save-every", "saveEvery", saveEvery)
        add("--beta", "beta", beta); add("--kl-estimator", "klEstimator", klEstimator?.rawValue); add("--kl-target", "klTarget", klTarget)
        add("--entropy-coef", "entropyCoef", entropyCoef)
        add("--epsilon-low", "epsilonLow", epsilonLow); add("--epsilon-high", "epsilonHigh", epsilonHigh)
        add("--iterations", "iterations", iterations); add("--mini-batches", "miniBatches", miniBatches)
        add("--loss", "loss", loss?.rawValue); add("--policy-loss", "policyLoss", policyLoss?.rawValue)
        add("--scale-rewards", "scaleRewards", scaleRewards?.rawValue)
        if maskTruncated { add("--mask-truncated", "maskTruncated", true) }
        if skipZeroVariance { add("--skip-zero-variance", "skipZeroVarianceGroups", true) }
        if checkBaseline { add("--check-baseline", "checkBaseline", true) }
        add("--kl-in", "klIn", klIn?.rawValue); add("--critic", "critic.placement", critic?.rawValue)
        add("--gamma", "critic.gamma", gamma); add("--lambda", "critic.lambda", lambda); add("--critic-lambda", "critic.criticLambda", criticLambda)
        if noWhiten { add("--no-whiten", "critic.whitenAdvantages", false) }
        add("--value-clip", "critic.valueClip", valueClip); add("--critic-lr", "critic.learningRate", criticLr.map { Double($0) })
        add("--critic-warmup", "critic.warmupSteps", criticWarmup); add("--vf-coef", "critic.valueCoef", vfCoef)
        add("--delta", "delta", delta); add("--cg-iterations", "cgIterations", cgIterations); add("--damping", "damping", damping)
        add("--fisher-fraction", "fisherFraction", fisherFraction)
        add("--backtrack-factor", "backtrackFactor", backtrackFactor); add("--max-backtracks", "maxBacktracks", maxBacktracks)
        add("--trpo-advantages", "advantages", trpoAdvantages?.rawValue)
        return o
    }

    /// Defaults, then --algo, then --config, then the flags.
    func resolved() throws -> RunConfig {
        var c = RunConfig(base: base ?? "checkpoints/base", algorithm: .defaults(algo ?? .grpo))
        do {
            if let config {
                guard let data = FileManager.default.contents(atPath: config) else {
                    throw CLIError(message: "cannot read \(config)", hint: "--config takes a JSON file")
                }
                try c.apply(data, path: config)
                if let algo, algo != c.algorithm.name {
                    throw ValidationError("--algo \(algo.rawValue) contradicts \(config), which trains \(c.algorithm.name.rawValue)")
                }
                if let base { c.base = base }
            }
            try c.set(try overrides())
            try c.validate()
            c.base = try InputPath.resolve(c.base, what: "--base")
        } catch let e as ParameterError {
            throw ValidationError("\(e)")
        }
        return c
    }

    mutating func run() throws {
        heldout = try InputPath.resolve(heldout, what: "--heldout")
        if let r = resume { resume = try InputPath.resolve(r, what: "--resume") }
        if let c = config { config = try InputPath.resolve(c, what: "--config") }
        try Cluster.run("train") { comm in try train(comm) }
    }

    func train(_ comm: any Communicator) throws {
        // Rank 0 alone speaks.
        func say(_ line: String) { if comm.isRoot { FileHandle.standardOutput.write(Data((line + "\n").utf8)) } }
        let numbered = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readNumberedProblems(heldout) }
        let heldoutProblems = numbered.map(\.value)
        let trainer: Trainer
        do {
            if let resume {
                // A resumed run continues as it was configured; only its length may change.
                var refused = try overrides().map(\.flag).filter { $0 != "--steps" }
                if out != nil { refused.insert("--out", at: 0) }
                if base != nil { refused.append("--base") }
                if algo != nil { refused.append("--algo") }
                if config != nil { refused.append("--config") }
                if !refused.isEmpty {
                    throw ValidationError("--resume continues \(resume) exactly as its config.json says; it cannot honour "
                                          + refused.joined(separator: ", ") + " (only --steps may change)")
                }
                trainer = try Trainer.resume(run: resume, heldout: heldoutProblems, steps: steps, comm: comm)
                for line in trainer.leftovers { say(line) }
                if !trainer.machineDifferences.isEmpty {
                    say("warning: the checkpoint was computed on another setup (" + trainer.machineDifferences.joined(separator: "; ")
                        + "): the run continues, but not bit for bit as it would have on the first one")
                }
                say("resuming \(resume) (\(trainer.config.algorithm.name.rawValue)) at step \(trainer.step) of \(trainer.config.training.steps)")
            } else {
                let name = out ?? "checkpoints/run-" + Self.timestamp()
                try OutputPath.checkDirectory(name, flag: "--out")
                let c = try resolved()
                trainer = try Trainer(config: c, run: name, heldout: heldoutProblems, comm: comm)
                say("training \(name) from \(c.base) with \(c.algorithm.name.rawValue): \(c.training.steps) steps of "
                      + "\(c.training.promptsPerStep) prompts × \(c.training.groupSize) responses"
                      + (comm.size > 1 ? " on \(comm.size) ranks of \(Parallelism.threads) thread\(Parallelism.threads == 1 ? "" : "s") each" : ""))
            }
        } catch let e as ValidationError {
            throw e
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError(message: "\(error)", hint: "lab train --help lists the options; README \"Training\" explains them")
        }
        try CLIError.checkQuestions(numbered, path: heldout, for: trainer.policy.model, trainer.policy.tokenizer)
        // A parent may have started us with these signals blocked (the mask is inherited: test
        // runners and some job runners do), which would leave the handlers deaf.
        var stops = sigset_t()
        sigemptyset(&stops)
        sigaddset(&stops, SIGINT)
        sigaddset(&stops, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stops, nil)
        signal(SIGINT) { _ in interruptRequested = true }
        signal(SIGTERM) { _ in interruptRequested = true }
        do {
            try trainer.train(shouldStop: { interruptRequested }) { say($0) }
        } catch let e as TrainingError {
            let kept = trainer.run.checkpointSteps.last
            throw CLIError(message: "\(e)",
                           hint: kept.map { "try a lower --lr; the last checkpoint, \(trainer.run.checkpoint(step: $0)), is unchanged: --resume \(trainer.run.path) continues from it" }
                               ?? "try a lower --lr; the run saved no checkpoint before this step, so start it again (the base model is unchanged)")
        }
        guard comm.isRoot else { return }
        // The run's summary: wall time, the held-out result at the end and at its best, what next.
        let path = trainer.run.path
        let evals = (try? JSONLines.read(trainer.run.eval) { $0 }) ?? []
        let scored = evals.compactMap { e in e["pass@1"]?.doubleValue.map { (step: e["step"]?.intValue ?? 0, pass: $0) } }
        let finished = trainer.step >= trainer.config.training.steps
        var summary = finished ? "done: \(path), \(trainer.step) steps in \(Trainer.clock(trainer.elapsed))"
            : "stopped: \(path) at step \(trainer.step) of \(trainer.config.training.steps) after \(Trainer.clock(trainer.elapsed)) "
              + "(lab train --resume \(path) continues it)"
        // The best, the latest of equals.
        let best = scored.reduce(nil) { (b: (step: Int, pass: Double)?, x) in b == nil || x.pass >= b!.pass ? x : b }
        if let last = scored.last, let best {
            let pct = { (x: Double) in String(format: "%.1f%%", 100 * x) }
            summary += "; held-out greedy pass@1 \(pct(last.pass)) at step \(last.step)"
                + (best.step == last.step ? " (its best)" : " (best \(pct(best.pass)) at step \(best.step))")
                + (scored.first.map { first in first.step < last.step ? ", from \(pct(first.pass)) at step \(first.step)" : "" } ?? "")
        }
        say(summary)
        let last = trainer.run.checkpoint(step: trainer.step)
        say("next:\n  swift run -c release lab report \(path)                # the curves and traces, in \(path)/report.html\n"
            + "  swift run -c release lab eval \(trainer.config.base) \(last)\n"
            + "  swift run -c release lab traces --compare \(trainer.config.base) \(last)")
    }

    /// " (default: X)" for the help of the flag that sets config field `path`.
    static func defaultText(_ path: String) -> String {
        RunConfig.describeDefault(of: path).map { " (default: \($0))" } ?? ""
    }

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
extension AlgorithmName: ExpressibleByArgument {}
extension KLEstimator: ExpressibleByArgument {}
extension PolicyLossKind: ExpressibleByArgument {}
extension KLPlacement: ExpressibleByArgument {}
extension CriticPlacement: ExpressibleByArgument {}
extension TRPOAdvantageKind: ExpressibleByArgument {}
