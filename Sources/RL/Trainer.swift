// The GRPO training loop: sample → score → advantages → loss → step → log → sometimes
// evaluate, save traces, checkpoint. Resumable exactly from any checkpoint it wrote.
import Foundation
import GPT
import Tasks

/// Files of a run directory (DESIGN §3).
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var config: String { path + "/config.json" }
    public var metrics: String { path + "/metrics.jsonl" }
    public var eval: String { path + "/eval.jsonl" }
    public func samples(step: Int) -> String { path + "/samples/" + Self.stepName(step) + ".jsonl" }
    public func checkpoint(step: Int) -> String { path + "/" + Self.stepName(step) }

    public static func stepName(_ step: Int) -> String {
        "step_" + String(repeating: "0", count: max(0, 6 - String(step).count)) + String(step)
    }

    /// Steps of the checkpoints present, ascending.
    public var checkpointSteps: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), let s = Int(name.dropFirst(5)),
                  FileManager.default.fileExists(atPath: path + "/" + name + "/" + Checkpoint.metaFile) else { return nil }
            return s
        }.sorted()
    }
}

/// The resolved configuration of a run: where it started and how it trains.
public struct RunConfig: Codable, Equatable, Sendable {
    /// The checkpoint training starts from, and the KL reference.
    public var base: String
    public var grpo: GRPOParameters

    public init(base: String, grpo: GRPOParameters) {
        self.base = base
        self.grpo = grpo
    }
}

public final class GRPOTrainer {
    public let config: RunConfig
    public let run: RunDirectory
    public let policy: Policy
    public let optimizer: GRPOOptimizer
    /// Completed steps.
    public private(set) var step: Int
    var stream: ProblemStream
    let evalSlice: [Problem]
    var metricLines: [String]
    var evalLines: [String]

    var p: GRPOParameters { config.grpo }

    // MARK: Start and resume

    /// A new run from `config.base`, writing into `run` (which must not hold a run already).
    public convenience init(config: RunConfig, run: String, heldout: [Problem]) throws {
        try config.grpo.validate()
        let dir = RunDirectory(run)
        if FileManager.default.fileExists(atPath: dir.metrics) || !dir.checkpointSteps.isEmpty {
            throw ParameterError(message: "\(run) already holds a run; resume it with --resume \(run) or choose another --out")
        }
        let base = try Checkpoint.load(from: config.base)
        try self.init(config: config, run: dir, loaded: base, optimizerState: nil, step: 0,
                      stream: ProblemStream(seed: config.grpo.seed, curriculum: config.grpo.curriculum, excluding: heldout),
                      heldout: heldout, metricLines: [], evalLines: [])
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try AtomicFile.write(Self.encode(config), to: dir.config)
    }

    /// Continues the run in `run` from its latest checkpoint; `steps` extends (or shortens) it.
    public static func resume(run path: String, heldout: [Problem], steps: Int? = nil) throws -> GRPOTrainer {
        let dir = RunDirectory(path)
        guard let data = FileManager.default.contents(atPath: dir.config) else {
            throw ParameterError(message: "\(dir.config) is missing: \(path) is not a run directory")
        }
        var config = try JSONDecoder().decode(RunConfig.self, from: data)
        if let steps { config.grpo.steps = steps }
        try config.grpo.validate()
        guard let last = dir.checkpointSteps.last else {
            throw ParameterError(message: "\(path) has no step_* checkpoint to resume from")
        }
        let loaded = try Checkpoint.load(from: dir.checkpoint(step: last), loadOptimizer: true)
        guard let opt = loaded.optimizer else {
            throw ParameterError(message: "\(dir.checkpoint(step: last)) has no optimizer.safetensors; cannot resume exactly")
        }
        let parts = (loaded.meta.extras["stream"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2 else { throw ParameterError(message: "\(dir.checkpoint(step: last))/meta.json has no stream state") }
        let stream = ProblemStream(seed: config.grpo.seed, curriculum: config.grpo.curriculum, excluding: heldout,
                                   draws: parts[0], skipped: parts[1])
        func kept(_ file: String) -> [String] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init).filter { line in
                ((try? JSONValue.parse(line))?["step"]?.intValue ?? Int.max) <= last
            }
        }
        return try GRPOTrainer(config: config, run: dir, loaded: loaded, optimizerState: opt, step: last, stream: stream,
                               heldout: heldout, metricLines: kept(dir.metrics), evalLines: kept(dir.eval))
    }

    init(config: RunConfig, run: RunDirectory, loaded: LoadedCheckpoint, optimizerState: AdamW?, step: Int,
         stream: ProblemStream, heldout: [Problem], metricLines: [String], evalLines: [String]) throws {
        self.config = config
        self.run = run
        let p = config.grpo
        policy = Policy(loaded, scorer: Scorer(weights: p.rewards))
        let adam = optimizerState ?? AdamW(layout: loaded.model.layout)
        adam.parameters = AdamWParameters(weightDecay: p.weightDecay, gradClip: p.gradClip)
        let reference = p.beta > 0 ? try Checkpoint.load(from: config.base).model : nil
        optimizer = GRPOOptimizer(model: loaded.model, reference: reference, adam: adam, parameters: p,
                                  padID: loaded.tokenizer.padID)
        self.step = step
        self.stream = stream
        self.metricLines = metricLines
        self.evalLines = evalLines
        evalSlice = heldout.spread(p.evalProblems)
    }

    // MARK: Loop

    /// Trains until `config.grpo.steps` or until `shouldStop()` (checked after every step), then
    /// saves a checkpoint. `log` receives one human-readable line per step and per evaluation.
    public func train(shouldStop: () -> Bool = { false }, log: (String) -> Void = { _ in }) throws {
        if step == 0 && p.evalEvery > 0 && evalLines.isEmpty { try evaluate(log: log) }
        while step < p.steps {
            try trainStep(log: log)
            let last = step == p.steps
            if p.evalEvery > 0 && (step % p.evalEvery == 0 || last) { try evaluate(log: log) }
            let stopping = shouldStop()
            if last || stopping || (p.saveEvery > 0 && step % p.saveEvery == 0) { try save() }
            if stopping { log("stopped at step \(step); checkpoint \(run.checkpoint(step: step))"); return }
        }
    }

    func learningRate(_ s: Int) -> Float {
        if s < p.warmupSteps { return p.learningRate * Float(s + 1) / Float(p.warmupSteps + 1) }
        switch p.schedule {
        case .constant: return p.learningRate
        case .cosine:
            return LearningRateSchedule(maxLR: p.learningRate, minLR: p.minLearningRate, warmupSteps: p.warmupSteps,
                                        decaySteps: p.steps)(s)
        }
    }

    func trainStep(log: (String) -> Void) throws {
        let clock = ContinuousClock()
        let s = step + 1
        // Sample: P prompts, G responses each, from π_old at the sampling temperature.
        let problems = (0..<p.promptsPerStep).map { _ in stream.next() }
        let sampling = SamplingParameters(temperature: p.temperature, topP: p.topP, maxNewTokens: p.maxResponseLength)
        let rollouts = try policy.rollouts(problems, samplesEach: p.groupSize, sampling: sampling, seed: p.seed,
                                           stream: UInt64(s), batch: p.promptsPerStep * p.groupSize)
        let (sampleTime, scoreTime) = policy.lastTimings
        // Score → advantages (group statistics, once for the loss, the log and the traces) → loss → step.
        let groups = GroupStatistics(rollouts.map { $0.map(\.scored.reward.total) }, scaling: p.scaleRewards)
        let lr = learningRate(step)
        let t0 = clock.now
        let stats = try optimizer.step(rollouts.map { $0.map { Trajectory(prompt: $0.promptTokens, response: $0.responseTokens, truncated: $0.truncated) } },
                                       statistics: groups, learningRate: lr, stepIndex: s)
        let trainTime = (clock.now - t0) / .seconds(1)
        step = s
        // Log.
        let record = StepMetrics(step: s, rollouts: rollouts.flatMap { $0 }, groups: groups, stats: stats, learningRate: lr,
                                 sampleTime: sampleTime, scoreTime: scoreTime, trainTime: trainTime)
        metricLines.append(record.jsonLine)
        try AtomicFile.write(metricLines.map { $0 + "\n" }.joined(), to: run.metrics)
        log(record.summary(of: p.steps))
        if p.samplesEvery > 0 && (s % p.samplesEvery == 0 || s == 1 || s == p.steps) {
            var lines = ""
            for (g, group) in rollouts.enumerated() {
                for (i, r) in group.enumerated() { lines += TraceRecord(rollout: r, advantage: groups.advantages[g][i], step: s).jsonLine + "\n" }
            }
            try AtomicFile.write(lines, to: run.samples(step: s))
        }
    }

    /// Greedy pass@1 and mean response length on the fixed held-out slice, appended to eval.jsonl.
    func evaluate(log: (String) -> Void) throws {
        let sampling = SamplingParameters(greedy: true, maxNewTokens: p.maxResponseLength)
        let rollouts = try policy.rollouts(evalSlice, samplesEach: 1, sampling: sampling, seed: p.seed, stream: 0,
                                           batch: 128)
        let e = Evaluation(rollouts)
        var members: [(String, JSONValue)] = [("step", .int(step)), ("problems", .int(e.overall.count))]
        members += EvalMetrics.json(e.overall, prefix: "")
        for f in Family.allCases {
            if let s = e.byFamily[f] { members += EvalMetrics.json(s, prefix: f.rawValue + "/") }
        }
        evalLines.append(JSONValue.object(ordered: members))
        try AtomicFile.write(evalLines.map { $0 + "\n" }.joined(), to: run.eval)
        let pct = EvalTables.pct
        log("eval step \(step): greedy pass@1 \(pct(e.overall.accuracy)) on \(e.overall.count) held-out problems, "
            + "mean length \(EvalTables.num(e.overall.meanLength))"
            + ", reasoning \(pct(e.overall.reasoningRate)), format \(pct(e.overall.formatRate))")
    }

    /// Weights, optimizer state and stream position, atomically, at `step_NNNNNN/`.
    public func save() throws {
        var meta = CheckpointMeta(config: policy.model.config, vocabulary: policy.tokenizer.vocabulary, step: step,
                                  seed: p.seed, parent: config.base)
        meta.extras = ["kind": "grpo", "stream": "\(stream.draws),\(stream.skipped)"]
        try Checkpoint.save(policy.model, meta: meta, optimizer: optimizer.adam, to: run.checkpoint(step: step))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
    }
}

// MARK: - Records

/// One metrics.jsonl record, with TRL's metric names where one exists.
struct StepMetrics {
    var members: [(String, JSONValue)] = []

    init(step: Int, rollouts: [Rollout], groups: GroupStatistics, stats: OptimizationStats, learningRate: Float,
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
            ("kl", stats.kl.map { .double($0) } ?? .null),
            ("entropy", .double(stats.entropy)),
            ("clip_ratio/region_mean", .double(stats.clipRatio)),
            ("loss", .double(stats.loss)),
            ("grad_norm", .double(stats.gradNorm)),
            ("learning_rate", .double(Double("\(learningRate)") ?? Double(learningRate))),
            ("step_accuracy", v(summary.stepAccuracy)),
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
        ]
    }
}

/// One saved trace: prompt, response, verdict, reward parts.
struct TraceRecord {
    let jsonLine: String

    init(rollout r: Rollout, advantage: Double, step: Int) {
        var parts: [String: JSONValue] = [:]
        for c in r.scored.reward.components { parts[c.name] = .double(c.value) }
        jsonLine = JSONValue.object(ordered: [
            ("step", .int(step)), ("problem", (try? JSONValue.parse(r.problem.jsonLine)) ?? .null),
            ("prompt", .string(Template.prompt(r.problem.question))), ("response", .string(r.response)),
            ("verdict", .string(r.scored.verdict.name)), ("reason", .string(r.scored.verdict.reason)),
            ("reward", .double(r.scored.reward.total)), ("components", .object(parts)),
            ("advantage", .double(advantage)), ("length", .int(r.length)), ("truncated", .bool(r.truncated)),
            ("steps", .object(["checked": .int(r.scored.steps.checked), "true": .int(r.scored.steps.correct)])),
        ])
    }
}
