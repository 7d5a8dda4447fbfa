// A run's configuration: what every run has (TrainingParameters), which algorithm updates the
// policy, and that algorithm's own parameters. config.json holds all three; `lab train --config`
// reads it back, and runs written before the algorithms were split out (a single "grpo" object)
// still load.
import Foundation
import GPT
import Tasks

// MARK: - What every run has

/// How the learning rate moves over the run.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// Flat after warm-up (TRL's GRPO examples and R1-Zero use a constant rate).
    case constant
    /// Cosine decay to `minLearningRate` at the last step.
    case cosine
}

/// The parameters every algorithm shares: the budget, the sampling, the schedule, the rewards,
/// the curriculum and the cadences. `lab train` maps flags and `--config FILE.json` onto it.
public struct TrainingParameters: Codable, Equatable, Sendable {
    /// Optimisation steps; each samples a fresh batch of P × G responses. 190 fit the default run
    /// in 20 minutes on this 2-core machine.
    public var steps = 190
    /// Seeds the problem stream and every rollout (each from (seed, step, problem, sample)).
    public var seed: UInt64 = 1
    /// P: prompts per step (TRL: per_device_train_batch_size / num_generations). 32 × 8 halves
    /// the gradient noise of 16 × 8: on an earlier base, 16 prompts at 1e-4 switched style in 10
    /// steps but then drifted between 42% and 54% held-out pass@1; 32 at 5e-5 held 68–74%.
    public var promptsPerStep = 32
    /// G: responses per prompt; the group that group-relative baselines are relative to.
    public var groupSize = 8
    /// Most generated tokens (characters) per response; longer ones are cut and counted truncated.
    /// Enough for the longest repair trace (a 3×2 product worked twice, about 520 characters)
    /// inside the base model's 576-character context.
    public var maxResponseLength = 520
    /// Sampling temperature of π_old (R1-Zero samples at 1).
    public var temperature: Float = 1
    /// Nucleus sampling threshold (1: off).
    public var topP: Float = 1
    /// Peak learning rate of the policy's AdamW. The reference prototype was stable from 3e-5 to
    /// 1e-4 and swung at 3e-4 (DESIGN §5); on an earlier base 1e-4 already let the steps decay
    /// after the style switch. TRPO takes no learning rate for the policy (its step is solved).
    public var learningRate: Float = 5e-5
    /// Learning-rate schedule after warm-up.
    public var schedule: ScheduleKind = .constant
    /// Linear warm-up steps.
    public var warmupSteps = 0
    /// Floor of the cosine schedule.
    public var minLearningRate: Float = 1e-5
    /// AdamW decoupled weight decay (TRL's default is 0: RL should not pull weights away from the base).
    public var weightDecay: Float = 0
    /// Global gradient-norm clip (TRL: max_grad_norm = 1).
    public var gradClip: Float = 1
    /// Reward weights: accuracy, format, optional step reward.
    public var rewards = RewardWeights()
    /// Which families and difficulties the training stream draws.
    public var curriculum = Curriculum.standard
    /// Greedy held-out evaluation every this many steps (and at steps 0 and last); 0: never.
    public var evalEvery = 10
    /// Size of the fixed held-out slice evaluated (spread evenly over the families).
    public var evalProblems = 350
    /// Save sampled traces every this many steps.
    public var samplesEvery = 10
    /// Save a checkpoint every this many steps (and at the end).
    public var saveEvery = 40
    /// Sequences per forward/backward chunk: bounds memory, not the maths. Chunks hold sequences
    /// of similar length, each padded only to its own longest.
    public var chunkSize = 32

    public init() {}

    /// Throws when a value cannot work, naming the `lab train` flag and the `--config` field.
    public func validate() throws(ParameterError) {
        typealias E = ParameterError
        try E.check(steps >= 0, flag: "--steps", field: "steps", "must be 0 or more", got: steps)
        try E.check(promptsPerStep >= 1, flag: "--prompts-per-step", field: "promptsPerStep", "must be at least 1", got: promptsPerStep)
        try E.check(groupSize >= 2, flag: "--group-size", field: "groupSize",
                    "must be at least 2 (advantages are relative to the group)", got: groupSize)
        try E.check(maxResponseLength >= 1, flag: "--max-length", field: "maxResponseLength", "must be at least 1", got: maxResponseLength)
        try E.check(temperature > 0 && temperature.isFinite, flag: "--temperature", field: "temperature",
                    "must be positive and finite (training samples; there is no greedy training)", got: temperature)
        try E.check(topP > 0 && topP <= 1, flag: "--top-p", field: "topP", "must be in (0, 1]", got: topP)
        try E.check(learningRate > 0 && learningRate.isFinite, flag: "--lr", field: "learningRate", "must be positive", got: learningRate)
        try E.check(minLearningRate >= 0 && minLearningRate <= learningRate, field: "minLearningRate",
                    "must be in [0, learningRate]", got: minLearningRate)
        try E.check(warmupSteps >= 0, flag: "--warmup", field: "warmupSteps", "must be 0 or more", got: warmupSteps)
        try E.check(weightDecay >= 0 && weightDecay.isFinite, flag: "--weight-decay", field: "weightDecay", "must be 0 or more", got: weightDecay)
        try E.check(gradClip > 0, flag: "--grad-clip", field: "gradClip", "must be positive", got: gradClip)
        for (name, flag, w) in [("accuracy", "--accuracy-weight", rewards.accuracy), ("format", "--format-weight", rewards.format),
                                ("steps", "--step-weight", rewards.steps)] as [(String, String?, Double)] {
            try E.check(w.isFinite, flag: flag, field: "rewards.\(name)", "must be a finite number", got: w)
        }
        try E.check(rewards.random >= 0 && rewards.random <= 1, flag: "--random-reward", field: "rewards.random",
                    "must be a probability in [0, 1] (0: off)", got: rewards.random)
        try E.check(evalEvery >= 0, flag: "--eval-every", field: "evalEvery", "must be 0 (never) or more", got: evalEvery)
        try E.check(evalEvery == 0 || evalProblems >= 1, field: "evalProblems", "must be at least 1 when evaluating", got: evalProblems)
        try E.check(samplesEvery >= 0, flag: "--samples-every", field: "samplesEvery", "must be 0 (never) or more", got: samplesEvery)
        try E.check(saveEvery >= 0, flag: "--save-every", field: "saveEvery", "must be 0 (only at the end) or more", got: saveEvery)
        try E.check(chunkSize >= 1, field: "chunkSize", "must be at least 1", got: chunkSize)
        let families = "--families (\"curriculum\" in --config)"
        if curriculum.entries.isEmpty { throw E(message: "\(families) needs at least one entry") }
        for e in curriculum.entries {
            let known = e.family.difficulties
            if !known.contains(e.difficulties.lowerBound) || !known.contains(e.difficulties.upperBound) {
                throw E(message: "\(families): \(e.family.rawValue) difficulties \(e.difficulties.lowerBound)-\(e.difficulties.upperBound) "
                        + "are outside \(known.lowerBound)-\(known.upperBound)")
            }
            if !(e.weight > 0 && e.weight.isFinite) {
                throw E(message: "\(families): the weight of \(e.family.rawValue) must be positive; got \(e.weight)")
            }
        }
    }

    /// Responses sampled per step.
    public var batchSize: Int { promptsPerStep * groupSize }

    /// The learning rate of step `s` (0-based) under the schedule.
    public func learningRate(atStep s: Int) -> Float {
        if s < warmupSteps { return learningRate * Float(s + 1) / Float(warmupSteps + 1) }
        switch schedule {
        case .constant: return learningRate
        case .cosine:
            return LearningRateSchedule(maxLR: learningRate, minLR: minLearningRate, warmupSteps: warmupSteps, decaySteps: steps)(s)
        }
    }
}

// MARK: - Which algorithm

/// The algorithms `lab train --algo` offers.
public enum AlgorithmName: String, Codable, Sendable, CaseIterable {
    case grpo, ppo, trpo, reinforce, rloo
}

/// An algorithm and its own parameters. Adding an algorithm is one case here and one file in
/// Algorithms/.
public enum AlgorithmParameters: Equatable, Sendable {
    case grpo(GRPOParameters)
    case ppo(PPOParameters)
    case trpo(TRPOParameters)
    case reinforce(PolicyGradientParameters)
    case rloo(PolicyGradientParameters)

    public var name: AlgorithmName {
        switch self {
        case .grpo: .grpo
        case .ppo: .ppo
        case .trpo: .trpo
        case .reinforce: .reinforce
        case .rloo: .rloo
        }
    }

    /// The defaults of `name`.
    public static func defaults(_ name: AlgorithmName) -> AlgorithmParameters {
        switch name {
        case .grpo: .grpo(GRPOParameters())
        case .ppo: .ppo(PPOParameters())
        case .trpo: .trpo(TRPOParameters())
        case .reinforce: .reinforce(PolicyGradientParameters())
        case .rloo: .rloo(PolicyGradientParameters())
        }
    }

    public func validate(_ training: TrainingParameters) throws(ParameterError) {
        switch self {
        case let .grpo(p): try p.validate(training)
        case let .ppo(p): try p.validate(training)
        case let .trpo(p): try p.validate(training)
        case let .reinforce(p), let .rloo(p): try p.validate(training)
        }
    }

    /// Whether the run needs the frozen base model as a KL reference.
    public var needsReference: Bool {
        switch self {
        case let .grpo(p): p.beta > 0
        case let .ppo(p): p.beta > 0
        case .trpo: false
        case let .reinforce(p), let .rloo(p): p.beta > 0
        }
    }

    /// The algorithm object that updates `policy`.
    func make(_ setup: AlgorithmSetup) throws -> any Algorithm {
        switch self {
        case let .grpo(p): try GRPO(p, setup)
        case let .ppo(p): try PPO(p, setup)
        case let .trpo(p): try TRPO(p, setup)
        case let .reinforce(p): try PolicyGradient(p, baseline: .groupMean, setup)
        case let .rloo(p): try PolicyGradient(p, baseline: .leaveOneOut, setup)
        }
    }

    /// The parameters as a JSON object (for config.json and for merging a file over them).
    func jsonObject() throws -> [String: Any] {
        switch self {
        case let .grpo(p): try JSONMerge.object(p)
        case let .ppo(p): try JSONMerge.object(p)
        case let .trpo(p): try JSONMerge.object(p)
        case let .reinforce(p), let .rloo(p): try JSONMerge.object(p)
        }
    }

    /// The parameters of `name` decoded from a JSON object (all fields present).
    static func decode(_ name: AlgorithmName, _ object: [String: Any]) throws -> AlgorithmParameters {
        switch name {
        case .grpo: .grpo(try JSONMerge.decode(GRPOParameters.self, object))
        case .ppo: .ppo(try JSONMerge.decode(PPOParameters.self, object))
        case .trpo: .trpo(try JSONMerge.decode(TRPOParameters.self, object))
        case .reinforce: .reinforce(try JSONMerge.decode(PolicyGradientParameters.self, object))
        case .rloo: .rloo(try JSONMerge.decode(PolicyGradientParameters.self, object))
        }
    }
}

// MARK: - The run

/// The resolved configuration of a run: where it started, what every run has, and the algorithm.
/// config.json: `{"algorithm": "ppo", "base": …, "training": {…}, "ppo": {…}}`.
public struct RunConfig: Equatable, Sendable {
    /// The checkpoint training starts from, and the KL reference.
    public var base: String
    public var training: TrainingParameters
    public var algorithm: AlgorithmParameters

    public init(base: String, training: TrainingParameters = TrainingParameters(), algorithm: AlgorithmParameters = .grpo(GRPOParameters())) {
        self.base = base
        self.training = training
        self.algorithm = algorithm
    }

    public func validate() throws(ParameterError) {
        try training.validate()
        try algorithm.validate(training)
    }

    /// config.json's text; `machine` (what the run started on, `MachineFacts`) is recorded beside the
    /// configuration and ignored when the file is read back as one.
    public func json(machine: MachineFacts? = nil) throws -> String {
        var object: [String: Any] = ["algorithm": algorithm.name.rawValue, "base": base,
                                     "training": try JSONMerge.object(training), algorithm.name.rawValue: try algorithm.jsonObject()]
        if let machine { object["machine"] = try JSONMerge.object(machine) }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads a run's config.json, of this layout or of the single-"grpo"-object layout runs had
    /// before the algorithms were split out.
    /// The machine a run's config.json says it started on (nil for runs from before it was recorded).
    public static func machine(in path: String) -> MachineFacts? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let m = object["machine"] as? [String: Any] else { return nil }
        return try? JSONMerge.decode(MachineFacts.self, m)
    }

    public static func load(_ path: String) throws -> RunConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParameterError(message: "\(path) is missing or unreadable")
        }
        var config = RunConfig(base: "")
        try config.apply(data, path: path)
        return config
    }

    /// Merges a JSON file over this configuration. The file may be a run's config.json (either
    /// layout), whose fields replace these, or a flat object of fields of `training` and of the
    /// algorithm (`{"steps": 50, "beta": 0.04}`), each going where it belongs. A field that belongs
    /// nowhere is an error naming it.
    public mutating func apply(_ data: Data, path: String) throws {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw ParameterError(message: "\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let file = parsed as? [String: Any] else { throw ParameterError(message: "\(path): expected a JSON object") }
        var training = try JSONMerge.object(self.training)
        var name = algorithm.name
        var algo = try algorithm.jsonObject()
        if let given = file["algorithm"] {
            guard let s = given as? String, let n = AlgorithmName(rawValue: s) else {
                throw ParameterError(message: "\(path): \"algorithm\" must be one of \(AlgorithmName.allCases.map(\.rawValue).joined(separator: ", ")); got \(given)")
            }
            if n != name { name = n; algo = try AlgorithmParameters.defaults(n).jsonObject() }
        }
        let sections = Set(AlgorithmName.allCases.map(\.rawValue))
        if file["training"] != nil || file.keys.contains(where: { sections.contains($0) }) {
            // A run's config.json.
            for key in file.keys where !(["algorithm", "base", "training", "machine"] + Array(sections)).contains(key) {
                throw ParameterError(message: "\(path): unknown field \"\(key)\" (a run's config has algorithm, base, training, one algorithm's section and machine)")
            }
            if let b = file["base"] { guard let b = b as? String else { throw ParameterError(message: "\(path): \"base\" must be a path") }; base = b }
            if let t = file["training"] {
                guard let t = t as? [String: Any] else { throw ParameterError(message: "\(path): \"training\" must be an object") }
                training = try JSONMerge.merge(t, onto: training, at: path, field: "training.")
            }
            if file["training"] == nil, file["algorithm"] == nil, let legacy = file["grpo"] as? [String: Any] {
                // Before the split: one "grpo" object held every field.
                name = .grpo
                algo = try AlgorithmParameters.defaults(.grpo).jsonObject()
                let (t, a) = try JSONMerge.split(legacy, between: training, and: algo, at: path, field: "grpo.",
                                                 strict: true, algorithm: "grpo")
                training = t; algo = a
            } else {
                for key in file.keys where sections.contains(key) && key != name.rawValue {
                    throw ParameterError(message: "\(path): section \"\(key)\" does not match \"algorithm\": \"\(name.rawValue)\"")
                }
                if let a = file[name.rawValue] {
                    guard let a = a as? [String: Any] else { throw ParameterError(message: "\(path): \"\(name.rawValue)\" must be an object") }
                    algo = try JSONMerge.merge(a, onto: algo, at: path, field: name.rawValue + ".")
                }
            }
        } else {
            // A flat file of fields.
            var flat = file
            flat["algorithm"] = nil
            if let b = flat.removeValue(forKey: "base") { guard let b = b as? String else { throw ParameterError(message: "\(path): \"base\" must be a path") }; base = b }
            (training, algo) = try JSONMerge.split(flat, between: training, and: algo, at: path, field: "",
                                                   strict: true, algorithm: name.rawValue)
        }
        let trainingDefaults = try JSONMerge.object(self.training), algoDefaults = try AlgorithmParameters.defaults(name).jsonObject()
        do {
            self.training = try JSONMerge.decode(TrainingParameters.self, training)
        } catch {
            throw ParameterError(message: "\(path): " + JSONMerge.diagnose(training, against: trainingDefaults, error: error) {
                _ = try JSONMerge.decode(TrainingParameters.self, $0) })
        }
        do {
            self.algorithm = try AlgorithmParameters.decode(name, algo)
        } catch {
            throw ParameterError(message: "\(path): " + JSONMerge.diagnose(algo, against: algoDefaults, error: error) {
                _ = try AlgorithmParameters.decode(name, $0) })
        }
    }
}

// MARK: - Overrides (command-line flags)

/// One flag's value for a field of the run: `path` is the field's name in config.json's
/// `training` or algorithm section (`["critic", "learningRate"]`), `value` a JSON value.
public struct FieldOverride {
    public var flag: String
    public var path: [String]
    public var value: Any
    public init(flag: String, _ path: String, _ value: Any) {
        self.flag = flag
        self.path = path.split(separator: ".").map(String.init)
        self.value = value
    }
}

extension RunConfig {
    /// The default of the field at `path` (as in `FieldOverride`), in words for a help text:
    /// "1e-05", or "0.04 (ppo: 0.05)" where algorithms differ; nil for a field no algorithm has.
    public static func describeDefault(of path: String) -> String? {
        let keys = path.split(separator: ".").map(String.init)
        func value(in object: [String: Any]) -> Any? {
            var o = object
            for key in keys.dropLast() { guard let inner = o[key] as? [String: Any] else { return nil }; o = inner }
            return o[keys.last!]
        }
        func words(_ v: Any) -> String {
            if let s = v as? String { return s }
            if let n = v as? NSNumber {
                // JSONSerialization's booleans are NSNumbers of type "c" (char).
                if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
                return String(format: "%g", n.doubleValue)
            }
            return "\(v)"
        }
        let shown: [(AlgorithmName, String)] = AlgorithmName.allCases.compactMap { name in
            let c = RunConfig(base: "", algorithm: .defaults(name))
            guard let t = try? JSONMerge.object(c.training), let a = try? c.algorithm.jsonObject(),
                  let v = value(in: t) ?? value(in: a) else { return nil }
            return (name, words(v))
        }
        guard let first = shown.first else { return nil }
        let others = shown.dropFirst().filter { $0.1 != first.1 }
        return first.1 + (others.isEmpty ? "" : " (" + others.map { "\($0.0.rawValue): \($0.1)" }.joined(separator: ", ") + ")")
    }

    /// Sets each override's field in `training` or in the algorithm's parameters, whichever has
    /// it. A flag whose field this run's algorithm does not have is an error naming the
    /// algorithms that do.
    public mutating func set(_ overrides: [FieldOverride]) throws {
        var training = try JSONMerge.object(self.training), algo = try algorithm.jsonObject()
        func has(_ object: [String: Any], _ path: [String]) -> Bool {
            var o = object
            for key in path.dropLast() { guard let inner = o[key] as? [String: Any] else { return false }; o = inner }
            return o[path.last!] != nil
        }
        func put(_ object: inout [String: Any], _ path: [String], _ value: Any) {
            if path.count == 1 { object[path[0]] = value; return }
            var inner = object[path[0]] as? [String: Any] ?? [:]
            put(&inner, Array(path.dropFirst()), value)
            object[path[0]] = inner
        }
        for o in overrides {
            if algorithm.name == .trpo && ["learningRate", "warmupSteps", "schedule", "minLearningRate"].contains(o.path.joined()) {
                throw ParameterError(message: "\(o.flag) sets the policy's learning rate, which TRPO does not have (its step is solved "
                                     + "within the trust region, --delta); --critic-lr sets the critic's")
            }
            if has(training, o.path) { put(&training, o.path, o.value); continue }
            if has(algo, o.path) {
                if case let .trpo(p) = algorithm, o.path.first == "critic", p.advantages != .gae,
                   !overrides.contains(where: { $0.path == ["advantages"] && ($0.value as? String) == "gae" }) {
                    throw ParameterError(message: "\(o.flag) sets TRPO's critic, which only --trpo-advantages gae has")
                }
                put(&algo, o.path, o.value); continue
            }
            let owners = try AlgorithmName.allCases.filter { has(try AlgorithmParameters.defaults($0).jsonObject(), o.path) }
            throw ParameterError(message: "\(o.flag) applies to \(owners.map(\.rawValue).joined(separator: ", ")); this run's algorithm is \(algorithm.name.rawValue)")
        }
        do {
            self.training = try JSONMerge.decode(TrainingParameters.self, training)
            self.algorithm = try AlgorithmParameters.decode(algorithm.name, algo)
        } catch {
            throw ParameterError(message: "a flag's value: \(JSONMerge.describe(error))")
        }
    }
}

// MARK: - Merging JSON objects over defaults

/// JSON objects merged key by key over the encoded defaults, so a file names only the fields it
/// changes: `{"critic": {"learningRate": 3e-4}}` changes one field of `critic`.
public enum JSONMerge {
    public static func object<T: Encodable>(_ value: T) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] ?? [:]
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ object: [String: Any]) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// The file's keys on top of the defaults; nested objects merge key by key. A key the defaults
    /// lack is an error naming it and the known ones.
    public static func merge(_ over: [String: Any], onto base: [String: Any], at path: String, field: String = "") throws -> [String: Any] {
        let unknown = Set(over.keys).subtracting(base.keys)
        guard unknown.isEmpty else {
            throw ParameterError(message: "\(path): unknown field(s) \(unknown.sorted().map { field + $0 }.joined(separator: ", ")); "
                                 + "known fields\(field.isEmpty ? "" : " of " + field.dropLast()): \(base.keys.sorted().joined(separator: ", "))")
        }
        var merged = base
        for (key, value) in over {
            if let inner = value as? [String: Any], let innerBase = base[key] as? [String: Any], !innerBase.isEmpty {
                merged[key] = try merge(inner, onto: innerBase, at: path, field: field + key + ".")
            } else {
                merged[key] = value
            }
        }
        return merged
    }

    /// Sends each key of a flat object to the defaults that have it (the first when both do); with
    /// `strict`, a key neither has is an error naming it (every field of the old single-"grpo"
    /// layout still exists in one of the two).
    static func split(_ flat: [String: Any], between a: [String: Any], and b: [String: Any], at path: String, field: String,
                      strict: Bool = false, algorithm: String = "") throws -> ([String: Any], [String: Any]) {
        var toA: [String: Any] = [:], toB: [String: Any] = [:]
        for (k, v) in flat {
            if a[k] != nil { toA[k] = v } else if b[k] != nil { toB[k] = v } else if strict {
                throw ParameterError(message: "\(path): unknown field \"\(field + k)\"; the run's fields are "
                                     + (a.keys.sorted() + b.keys.sorted()).joined(separator: ", ")
                                     + " (the last ones are \(algorithm)'s)")
            }
        }
        return (try merge(toA, onto: a, at: path, field: field), try merge(toB, onto: b, at: path, field: field))
    }

    /// Which field made decoding `object` fail: each of its fields is tried alone on the defaults,
    /// and the first that fails is named with its value and the default's (Foundation's own error
    /// for a number of the wrong kind names no field).
    public static func diagnose(_ object: [String: Any], against defaults: [String: Any], error: Error,
                         field prefix: String = "", _ decode: ([String: Any]) throws -> Void) -> String {
        for key in object.keys.sorted() {
            guard let value = object[key], let d = defaults[key] else { continue }
            var trial = defaults
            trial[key] = value
            if (try? decode(trial)) != nil { continue }
            if let inner = value as? [String: Any], let innerDefaults = d as? [String: Any] {
                return diagnose(inner, against: innerDefaults, error: error, field: prefix + key + ".") { sub in
                    var t = defaults
                    t[key] = sub
                    try decode(t)
                }
            }
            return "field \"\(prefix + key)\" cannot be \(render(value)) (its default is \(render(d)))"
        }
        return describe(error)
    }

    static func render(_ v: Any) -> String {
        if let s = v as? String { return "\"\(s)\"" }
        if JSONSerialization.isValidJSONObject([v]), let d = try? JSONSerialization.data(withJSONObject: [v]),
           let s = String(data: d, encoding: .utf8) { return String(s.dropFirst().dropLast()) }
        return "\(v)"
    }

    /// A decoding error in plain words: which field, what was expected.
    public static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ path: [CodingKey]) -> String { path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .typeMismatch(type, c): return "field \"\(at(c.codingPath))\" must be of type \(type)"
        case let .valueNotFound(type, c): return "field \"\(at(c.codingPath))\" is null; expected \(type)"
        case let .keyNotFound(key, c): return "field \"\(at(c.codingPath + [key]))\" is missing"
        case let .dataCorrupted(c): return "field \"\(at(c.codingPath))\": \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A parameter value that cannot work. The message names the flag (and the `--config` field,
/// where there is one), what is required and the value given:
/// `--group-size ("groupSize" in --config) must be at least 2 (…); got 1`.
public struct ParameterError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }

    /// Throws unless `ok`, naming the flag and/or the config field, the rule and the value.
    static func check(_ ok: Bool, flag: String? = nil, field: String? = nil, _ rule: String, got value: some Any) throws(ParameterError) {
        guard !ok else { return }
        let name: String
        switch (flag, field) {
        case let (flag?, field?): name = "\(flag) (\"\(field)\" in --config)"
        case let (flag?, nil): name = flag
        case let (nil, field?): name = "\"\(field)\" in --config"
        case (nil, nil): name = "a parameter"
        }
        throw ParameterError(message: "\(name) \(rule); got \(value)")
    }
}
