// The training loop, the same for every algorithm: sample → score → update → log → sometimes
// evaluate, save traces, checkpoint. It names no algorithm: the update is `config.algorithm`'s.
// Resumable exactly from any checkpoint it wrote. Data-parallel over `comm`'s ranks: each samples
// its share of the step's groups and runs its share of the update's passes; rank 0 alone writes.
import Foundation
import GPT
import Tasks

public final class Trainer {
    public let config: RunConfig
    public let run: RunDirectory
    public let policy: Policy
    let algorithm: any Algorithm
    /// Completed steps.
    public private(set) var step: Int
    var stream: ProblemStream
    let evalSlice: [Problem]
    /// The run's logs (rank 0 only: nil on the other ranks, which write nothing).
    var metricsLog: AppendLog?
    var evalLog: AppendLog?
    /// The ranks of a data-parallel run (one process by default).
    let comm: any Communicator
    /// When this process started training, and the run's wall time before it (on resume).
    let started = ContinuousClock.now
    let elapsedBefore: Double
    /// The step this process started from.
    let stepAtStart: Int
    /// The run's wall time so far, across resumes.
    public var elapsed: Double { elapsedBefore + (ContinuousClock.now - started) / .seconds(1) }

    /// 1h02m03s, 12m03s, 45s.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60) }
        return s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }

    /// What resuming tidied in the run directory (`RunDirectory.removeLeftovers`).
    public internal(set) var leftovers: [String] = []
    /// What differs, on resume, between the machine that wrote the checkpoint and this one.
    public internal(set) var machineDifferences: [String] = []
    /// The held-out set's fingerprint: it decides what the stream excludes and what is evaluated,
    /// so a resumed run must see the same one.
    let heldoutHash: String

    var t: TrainingParameters { config.training }

    // MARK: Start and resume

    /// A new run from `config.base`, writing into `run` (which must not hold a run already).
    public convenience init(config: RunConfig, run: String, heldout: [Problem], comm: any Communicator = SingleProcess()) throws {
        try config.validate()
        let dir = RunDirectory(run)
        if FileManager.default.fileExists(atPath: dir.metrics) || !dir.checkpointSteps.isEmpty {
            throw ParameterError(message: "\(run) already holds a run; resume it with --resume \(run) or choose another --out")
        }
        let base = try Checkpoint.load(from: config.base)
        // Every rank has looked before rank 0 creates anything (a shared file system).
        comm.barrier()
        if comm.isRoot { try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true) }
        try self.init(config: config, run: dir, loaded: base, resuming: false, step: 0,
                      stream: ProblemStream(seed: config.training.seed, curriculum: config.training.curriculum, excluding: heldout),
                      heldout: heldout, comm: comm)
        if comm.isRoot { try AtomicFile.write(config.json(machine: .current()), to: dir.config) }
    }

    /// Continues the run in `run` from its latest checkpoint; `steps` extends (or shortens) it,
    /// and config.json then says the new step count.
    public static func resume(run path: String, heldout: [Problem], steps: Int? = nil, comm: any Communicator = SingleProcess()) throws -> Trainer {
        let dir = RunDirectory(path)
        guard FileManager.default.fileExists(atPath: dir.config) else {
            throw ParameterError(message: "\(dir.config) is missing: \(path) is not a run directory")
        }
        var config = try RunConfig.load(dir.config)
        if let steps { config.training.steps = steps }
        try config.validate()
        let leftovers = comm.isRoot ? dir.removeLeftovers() : []
        comm.barrier()
        guard let last = dir.checkpointSteps.last else {
            throw ParameterError(message: "\(path) has no step_* checkpoint to resume from")
        }
        // The checkpoint must be of the run's model: the base's shape and vocabulary (a checkpoint
        // with another vocabulary would train on, reading every prompt wrong, at reward 0).
        let base = try Checkpoint.loadMeta(from: config.base)
        let loaded = try Self.loadCheckpoint(dir.checkpoint(step: last), of: base, baseName: config.base)
        let parts = (loaded.meta.extras["stream"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2 else { throw ParameterError(message: "\(dir.checkpoint(step: last))/meta.json has no stream state") }
        let stream = ProblemStream(seed: config.training.seed, curriculum: config.training.curriculum, excluding: heldout,
                                   draws: parts[0], skipped: parts[1])
        let trainer = try Trainer(config: config, run: dir, loaded: loaded, resuming: true, step: last, stream: stream, heldout: heldout,
                                  comm: comm)
        if steps != nil && comm.isRoot { try AtomicFile.write(config.json(machine: RunConfig.machine(in: dir.config)), to: dir.config) }
        trainer.leftovers = leftovers
        // What the checkpoint was computed on, against this machine: a resumed run repeats an
        // uninterrupted one bit for bit only where nothing that changes float results differs.
        if let then = MachineFacts(extras: loaded.meta.extras) {
            trainer.machineDifferences = then.differences(from: .current())
        }
        return trainer
    }

    /// A run's checkpoint, refused when it is not of the base's shape and vocabulary.
    static func loadCheckpoint(_ path: String, of base: CheckpointMeta, baseName: String) throws -> LoadedCheckpoint {
        do {
            return try Checkpoint.load(from: path, expectedConfig: base.config, expectedVocabulary: base.vocabulary, loadOptimizer: true)
        } catch {
            guard error.isMismatch else { throw error }
            throw ParameterError(message: "\(error); the run was trained from \(baseName), whose meta.json says otherwise: "
                                 + "\(path) is not a checkpoint of this run")
        }
    }

    init(config: RunConfig, run: RunDirectory, loaded: LoadedCheckpoint, resuming: Bool, step: Int,
         stream: ProblemStream, heldout: [Problem], comm: any Communicator) throws {
        self.config = config
        self.run = run
        self.comm = comm
        let t = config.training
        policy = Policy(loaded, scorer: Scorer(weights: t.rewards))
        let reference = config.algorithm.needsReference ? try Checkpoint.load(from: config.base).model : nil
        let setup = AlgorithmSetup(policy: loaded.model, reference: reference,
                                   loadBase: { try Checkpoint.load(from: config.base).model },
                                   training: t, padID: loaded.tokenizer.padID, policyOptimizer: loaded.optimizer, comm: comm)
        algorithm = try config.algorithm.make(setup)
        if resuming {
            let dir = run.checkpoint(step: step)
            if algorithm.policyOptimizer != nil && loaded.optimizer == nil {
                throw ParameterError(message: "\(dir) has no \(Checkpoint.optimizerFile); cannot resume exactly")
            }
            try algorithm.restore(from: dir, extras: loaded.meta.extras)
        }
        heldoutHash = SHA256.hex(Array(heldout.map(\.jsonLine).joined(separator: "\n").utf8))
        if resuming, let saved = loaded.meta.extras["heldout_sha256"], saved != heldoutHash {
            throw ParameterError(message: "the held-out problems differ from the ones \(run.path) was trained with "
                                 + "(sha256 \(heldoutHash.prefix(12))… against \(saved.prefix(12))…): resume with the run's --heldout")
        }
        self.step = step
        stepAtStart = step
        self.stream = stream
        evalSlice = heldout.spread(t.evalProblems)
        if comm.size > 1 {
            let weights = SHA256.hex(Array(UnsafeRawBufferPointer(start: loaded.model.params.base, count: loaded.model.params.count * 4)))
            try comm.agree(on: [("configuration", config.json()), ("held-out set", heldoutHash), ("step", String(step)),
                                ("problem stream", "\(stream.draws),\(stream.skipped)"), ("starting weights", weights)])
        }
        // A new run starts both logs afresh (a run that failed before its first step may have left
        // a step-0 evaluation); a resumed one cuts them back to its checkpoint.
        if comm.isRoot {
            metricsLog = try AppendLog(run.metrics, keepingThrough: resuming ? step : -1)
            evalLog = try AppendLog(run.eval, keepingThrough: resuming ? step : -1)
        }
        elapsedBefore = resuming ? metricsLog?.lastRecord?["time/elapsed_s"]?.doubleValue ?? 0 : 0
    }


    /// The random-reward control: each response's accuracy reward becomes a Bernoulli draw with
    /// probability `rewards.random`, from a stream seeded by (seed, step, response), so it carries
    /// no information about the answer. Logged accuracy still comes from the verifier.
    func randomizeRewards(_ rollouts: inout [[Rollout]], step: Int) {
        for i in rollouts.indices {
            for j in rollouts[i].indices {
                var rng = SeededRandom(seed: t.seed, derive: 0x52_414E_444F_4D, UInt64(step), UInt64(i * t.groupSize + j))  // "RANDOM"
                let hit = rng.chance(t.rewards.random)
                var parts = rollouts[i][j].scored.reward.components.filter { $0.name != "accuracy" }
                parts.insert(("random", hit ? t.rewards.accuracy : 0), at: 0)
                rollouts[i][j].scored.reward = Reward(components: parts)
            }
        }
    }

    // MARK: Loop

    /// Trains until `config.training.steps` or until `shouldStop()` (checked after every step),
    /// then saves a checkpoint. `log` receives one human-readable line per step and per evaluation.
    public func train(shouldStop: () -> Bool = { false }, log: (String) -> Void = { _ in }) throws {
        if step == 0 && t.evalEvery > 0 && comm.any(evalLog?.count == 0) { try evaluate(log: log) }
        while step < t.steps {
            try trainStep(log: log)
            let last = step == t.steps
            if t.evalEvery > 0 && (step % t.evalEvery == 0 || last) { try evaluate(log: log) }
            // A signal reaches the ranks at slightly different moments: all stop at the first step any saw it.
            let stopping = comm.any(shouldStop())
            if last || stopping || (t.saveEvery > 0 && step % t.saveEvery == 0) { try save() }
            if stopping { log("stopped at step \(step); checkpoint \(run.checkpoint(step: step))"); return }
        }
    }

    func trainStep(log: (String) -> Void) throws {
        let clock = ContinuousClock()
        let s = step + 1
        // Sample: P prompts, G responses each, from π_old at the sampling temperature.
        let problems = (0..<t.promptsPerStep).map { _ in stream.next() }
        let sampling = SamplingParameters(temperature: t.temperature, topP: t.topP, maxNewTokens: t.maxResponseLength)
        let traffic0 = comm.traffic
        var rollouts = try policy.rollouts(problems, samplesEach: t.groupSize, sampling: sampling, seed: t.seed,
                                           stream: UInt64(s), batch: t.batchSize, across: comm)
        let (sampleTime, scoreTime) = policy.lastTimings
        if t.rewards.random > 0 { randomizeRewards(&rollouts, step: s) }
        // Score → the algorithm's update.
        let rewards = rollouts.map { $0.map(\.scored.reward.total) }
        let batch = RolloutBatch(groups: rollouts.map { $0.map(\.trajectory) }, rewards: rewards)
        let lr = t.learningRate(atStep: step)
        let t0 = clock.now
        let update = try algorithm.update(batch, context: UpdateContext(step: s, learningRate: lr))
        let trainTime = (clock.now - t0) / .seconds(1)
        step = s
        guard comm.isRoot else { return }
        // Log.
        var record = StepMetrics(step: s, rollouts: rollouts.flatMap { $0 }, groups: GroupStatistics(rewards, scaling: .group),
                                 update: update, learningRate: lr, sampleTime: sampleTime, scoreTime: scoreTime, trainTime: trainTime)
        let held = algorithm.footprint
        record.members += [
            // Wall time of the run so far: every step, evaluation and checkpoint (across resumes).
            ("time/elapsed_s", .double(elapsed)),
            ("memory/peak_rss_mb", .double(ProcessMemory.peakRSSMB())),
            ("memory/parameters_mb", .double(Double(held.parameters) / 1e6)),
            ("memory/gradients_mb", .double(Double(held.gradients) / 1e6)),
            ("memory/optimizer_mb", .double(Double(held.optimizer) / 1e6)),
        ]
        if comm.size > 1 {
            // What the step spent in collectives (rollout gathers, gradient and tally sums) on rank 0.
            let traffic = comm.traffic
            record.members += [("mpi/ranks", .int(comm.size)), ("time/collectives_s", .double(traffic.seconds - traffic0.seconds)),
                               ("mpi/bytes", .int(traffic.bytes - traffic0.bytes))]
        }
        try metricsLog?.append(record.jsonLine)
        // Elapsed over the whole run; the estimate from this process's own pace (a resume reloads).
        let ran = (ContinuousClock.now - started) / .seconds(1), done = s - stepAtStart
        let left = done > 0 ? ran / Double(done) * Double(t.steps - s) : 0
        log(record.summary(of: t.steps) + "  " + Self.clock(elapsedBefore + ran) + " elapsed, eta " + Self.clock(left))
        if t.samplesEvery > 0 && (s % t.samplesEvery == 0 || s == 1 || s == t.steps) {
            var lines = ""
            for (g, group) in rollouts.enumerated() {
                for (i, r) in group.enumerated() { lines += TraceRecord(rollout: r, advantage: update.advantages[g][i], step: s).jsonLine + "\n" }
            }
            try AtomicFile.write(lines, to: run.samples(step: s))
        }
    }

    /// Greedy pass@1 and mean response length on the fixed held-out slice, appended to eval.jsonl.
    func evaluate(log: (String) -> Void) throws {
        let sampling = SamplingParameters(greedy: true, maxNewTokens: t.maxResponseLength)
        let rollouts = try policy.rollouts(evalSlice, samplesEach: 1, sampling: sampling, seed: t.seed, stream: 0, batch: 128, across: comm)
        guard comm.isRoot else { return }
        let e = Evaluation(rollouts)
        var members: [(String, JSONValue)] = [("step", .int(step)), ("problems", .int(e.overall.count))]
        members += EvalMetrics.json(e.overall, prefix: "")
        for f in Family.allCases {
            if let s = e.byFamily[f] { members += EvalMetrics.json(s, prefix: f.rawValue + "/") }
        }
        try evalLog?.append(JSONValue.object(ordered: members))

        let pct = EvalTables.pct
        log("eval step \(step): greedy pass@1 \(pct(e.overall.accuracy)) on \(e.overall.count) held-out problems, "
            + "mean length \(EvalTables.num(e.overall.meanLength))"
            + ", reasoning \(pct(e.overall.reasoningRate)), format \(pct(e.overall.formatRate))")
    }

    /// Weights, the algorithm's state and the stream position, atomically, at `step_NNNNNN/`.
    public func save() throws {
        guard comm.isRoot else { return }
        var meta = CheckpointMeta(config: policy.model.config, vocabulary: policy.tokenizer.vocabulary, step: step,
                                  seed: t.seed, parent: config.base)
        meta.extras = ["kind": config.algorithm.name.rawValue, "stream": "\(stream.draws),\(stream.skipped)", "heldout_sha256": heldoutHash]
        meta.extras.merge(MachineFacts.current().extras) { a, _ in a }
        meta.extras.merge(algorithm.checkpointExtras()) { a, _ in a }
        try Checkpoint.save(policy.model, meta: meta, optimizer: algorithm.policyOptimizer, extraFiles: try algorithm.checkpointFiles(),
                            to: run.checkpoint(step: step))
    }
}

// MARK: - Records

/// The process's memory, as the kernel counts it.
public enum ProcessMemory {
    /// The maximum resident set size so far, in MB.
    public static func peakRSSMB() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024   // kilobytes on Linux
    }
}

/// One metrics.jsonl record, with TRL's metric names where one exists.
struct StepMetrics {
    var members: [(String, JSONValue)] = []

    init(step: Int, rollouts: [Rollout], groups: GroupStatistics, update: UpdateResult, learningRate: Float,
         sampleTime: Double, scoreTime: Double, trainTime: Double) {
        let n = Double(rollouts.count)
        let lengths = rollouts.map(\.length)
        var summary = EvalSummary()
        for r in rollouts { summary.add(r) }
        func v(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
        let tokens = rollouts.reduce(0) { $0 + $1.responseTokens.count }
        // TRL's reward_std is the std of all the step's rewards, not of a group.
        members = [("step", .int(step)), ("reward", .double(groups.meanReward)), ("reward_std", .double(groups.batchStd))]
        for name in rollouts.first?.scored.reward.components.map(\.name) ?? [] {
            members.append(("rewards/\(name)/mean", .double(rollouts.reduce(0) { $0 + ($1.scored.reward[name] ?? 0) } / n)))
        }
        members += [
            ("accuracy", v(summary.accuracy)),
            ("format_rate", v(summary.formatRate)),
            ("reasoning_rate", v(summary.reasoningRate)),
            ("completions/mean_length", v(summary.meanLength)),
            ("completions/min_length", .int(lengths.min() ?? 0)),
            ("completions/max_length", .int(lengths.max() ?? 0)),
            ("completions/clipped_ratio", v(summary.truncatedRate)),
            ("length/correct_mean", v(summary.meanCorrectLength)),
            ("length/wrong_mean", v(summary.meanWrongLength)),
            ("frac_reward_zero_std", .double(groups.fracZeroStd)),
            ("kl", v(update.kl)),
            ("entropy", .double(update.entropy)),
            ("clip_ratio/region_mean", v(update.clipRatio)),
            ("loss", .double(update.loss)),
            ("grad_norm", v(update.gradNorm)),
            ("learning_rate", .double(Double("\(learningRate)") ?? Double(learningRate))),
        ]
        members += update.metrics
        members += [
            ("step_accuracy", v(summary.stepAccuracy)),
            ("reasoning/check_rate", v(summary.checkRate)),
            ("reasoning/failed_check_rate", v(summary.failedCheckRate)),
            ("reasoning/retry_rate", v(summary.retryRate)),
            ("reasoning/retried_accuracy", v(summary.retriedAccuracy)),
            ("reasoning/not_retried_accuracy", v(summary.notRetriedAccuracy)),
            ("tokens_per_s", .double((Double(tokens) / max(sampleTime + scoreTime + trainTime, 1e-9)).rounded())),
            ("time/sample_s", .double(sampleTime)),
            ("time/score_s", .double(scoreTime)),
            ("time/train_s", .double(trainTime)),
        ]
    }

    var jsonLine: String { JSONValue.object(ordered: members) }

    func value(_ key: String) -> Double? { members.first { $0.0 == key }?.1.doubleValue }

    /// The human-readable line of a step.
    func summary(of total: Int) -> String {
        func f(_ k: String, _ fmt: String) -> String { value(k).map { String(format: fmt, $0) } ?? "-" }
        let time = (value("time/sample_s") ?? 0) + (value("time/score_s") ?? 0) + (value("time/train_s") ?? 0)
        return "step \(String(format: "%4d", Int(value("step") ?? 0)))/\(total)  reward \(f("reward", "%.3f"))±\(f("reward_std", "%.2f"))"
            + "  acc \(f("accuracy", "%.3f"))  len \(f("completions/mean_length", "%.0f"))"
            + " (✓\(f("length/correct_mean", "%.0f")) ✗\(f("length/wrong_mean", "%.0f")))"
            + "  trunc \(f("completions/clipped_ratio", "%.2f"))  kl \(f("kl", "%.4f"))  ent \(f("entropy", "%.3f"))"
            + "  clip \(f("clip_ratio/region_mean", "%.3f"))  gn \(f("grad_norm", "%.2f"))  lr \(f("learning_rate", "%.1e"))"
            + String(format: "  %.1fs", time)
    }
}

enum EvalMetrics {
    static func json(_ s: EvalSummary, prefix: String) -> [(String, JSONValue)] {
        func v(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
        return [
            (prefix + "pass@1", v(s.accuracy)), (prefix + "format_rate", v(s.formatRate)),
            (prefix + "mean_length", v(s.meanLength)), (prefix + "length/correct_mean", v(s.meanCorrectLength)),
            (prefix + "length/wrong_mean", v(s.meanWrongLength)), (prefix + "reasoning_rate", v(s.reasoningRate)),
            (prefix + "reasoning_accuracy", v(s.reasoningAccuracy)), (prefix + "direct_accuracy", v(s.directAccuracy)),
            (prefix + "step_accuracy", v(s.stepAccuracy)),
            (prefix + "check_rate", v(s.checkRate)), (prefix + "failed_check_rate", v(s.failedCheckRate)),
            (prefix + "retry_rate", v(s.retryRate)), (prefix + "retried_accuracy", v(s.retriedAccuracy)),
            (prefix + "not_retried_accuracy", v(s.notRetriedAccuracy)),
        ]
    }
}

/// One saved trace: prompt, response, verdict, reward parts; the advantage it was trained with,
/// when it was (`lab eval --responses` writes the same record without one).
public struct TraceRecord {
    public let jsonLine: String

    public init(rollout r: Rollout, advantage: Double?, step: Int) {
        var parts: [String: JSONValue] = [:]
        for c in r.scored.reward.components { parts[c.name] = .double(c.value) }
        var fields: [(String, JSONValue)] = [
            ("step", .int(step)), ("problem", (try? JSONValue.parse(r.problem.jsonLine)) ?? .null),
            ("prompt", .string(Template.prompt(r.problem.question))), ("response", .string(r.response)),
            ("verdict", .string(r.scored.verdict.name)), ("reason", .string(r.scored.verdict.reason)),
            ("reward", .double(r.scored.reward.total)), ("components", .object(parts)),
        ]
        if let advantage { fields.append(("advantage", .double(advantage))) }
        fields += [
            ("length", .int(r.length)), ("truncated", .bool(r.truncated)),
            ("steps", .object(["checked": .int(r.scored.steps.checked), "true": .int(r.scored.steps.correct)])),
        ]
        jsonLine = JSONValue.object(ordered: fields)
    }
}
