// `lab eval`'s measurement of one checkpoint: greedy pass@1 always, and with k samples per
// problem mean@k, pass@k and maj@k; its JSON record and the tables that read across checkpoints.
import Foundation
import GPT
import Tasks

/// How a checkpoint is evaluated.
public struct EvalParameters: Codable, Equatable, Sendable {
    /// k: responses sampled per problem for mean@k, pass@k and maj@k; 1 runs the greedy pass only.
    public var samples = 1
    /// Temperature of the k samples: 1, the policy's own distribution, which is what training
    /// samples from (R1-Zero samples at 1). Greedy pass@1 is a separate pass and takes none.
    public var temperature: Float = 1
    /// Nucleus threshold of the k samples (1: off).
    public var topP: Float = 1
    /// Seed of the samples: response j to problem i draws from the stream (seed, 1, i, j).
    public var seed: UInt64 = 0
    /// Most generated characters per response; nil: whatever the context leaves after the prompt.
    public var maxNewTokens: Int?
    /// Sequences sampled together: enough to keep both cores busy while finished ones leave. At
    /// most `maxBatch` (each sequence's KV cache takes about 3 MB on the shipped base), and never
    /// more than there are responses to sample.
    public var batch = 128
    public static let maxBatch = 1024

    public init() {}

    /// Throws when a value cannot work, naming the `lab eval` flag.
    public func validate() throws(ParameterError) {
        try ParameterError.check(samples >= 1, flag: "--samples", "must be at least 1 (1: greedy pass@1 only)", got: samples)
        try ParameterError.check(temperature > 0 && temperature.isFinite, flag: "--temperature",
                                 "must be positive and finite (it is the temperature of the k samples; greedy pass@1 is always measured)",
                                 got: temperature)
        try ParameterError.check(topP > 0 && topP <= 1, flag: "--top-p", "must be in (0, 1]", got: topP)
        try ParameterError.check((maxNewTokens ?? 1) >= 1, flag: "--max-length", "must be at least 1", got: maxNewTokens ?? 0)
        try ParameterError.check(batch >= 1 && batch <= Self.maxBatch, flag: "--batch", "must be between 1 and \(Self.maxBatch)", got: batch)
    }
}

/// Where an evaluation is: which pass, how many problems of how many are answered.
public struct EvalProgress: Sendable {
    /// "greedy" or "k samples".
    public var pass: String
    public var done: Int
    public var total: Int
    public var seconds: Double
}

/// One checkpoint's results on one problem set.
public struct CheckpointEvaluation: Sendable {
    /// The checkpoint directory as given.
    public var checkpoint: String
    /// Its training step (meta.json).
    public var step: Int
    public var parameters: EvalParameters
    /// One greedy response per problem.
    public var greedy: Evaluation
    /// Those responses, in the problems' order.
    public var greedyRollouts: [Rollout]
    /// k responses per problem at `parameters.temperature`, when k > 1.
    public var sampled: Evaluation?
    /// Wall-clock seconds of each pass.
    public var greedySeconds: Double
    public var sampledSeconds: Double?

    public var problems: Int { greedy.overall.problems }
    public var k: Int { parameters.samples }

    /// Problems answered per second by the greedy pass and, when run, the sampled pass.
    public var problemsPerSecond: (greedy: Double, sampled: Double?) {
        (Double(problems) / max(greedySeconds, 1e-9), sampledSeconds.map { Double(problems) / max($0, 1e-9) })
    }

    /// Answers every problem greedily, then k times by sampling when k > 1, all through the batched
    /// KV-cache sampler. `progress` hears after each batch.
    public static func run(_ loaded: LoadedCheckpoint, name: String, problems: [Problem], parameters p: EvalParameters,
                           progress: (EvalProgress) -> Void = { _ in }) throws -> CheckpointEvaluation {
        try p.validate()
        guard !problems.isEmpty else {
            throw ParameterError(message: "no problems to evaluate: --problems needs at least one problem line")
        }
        let batch = min(p.batch, problems.count * p.samples)
        let policy = Policy(model: loaded.model, tokenizer: loaded.tokenizer, maxBatch: batch)
        let maxNew = p.maxNewTokens ?? loaded.model.config.contextLength
        let clock = ContinuousClock()
        func pass(_ label: String, _ k: Int, _ sampling: SamplingParameters, stream: UInt64) throws -> ([[Rollout]], Evaluation, Double) {
            let start = clock.now
            func seconds() -> Double { (clock.now - start) / .seconds(1) }
            let rollouts = try policy.rollouts(problems, samplesEach: k, sampling: sampling, seed: p.seed, stream: stream,
                                               batch: batch) { done, _ in
                progress(EvalProgress(pass: label, done: done / k, total: problems.count, seconds: seconds()))
            }
            return (rollouts, Evaluation(rollouts), seconds())
        }
        let (rollouts, greedy, greedySeconds) = try pass("greedy", 1, SamplingParameters(greedy: true, maxNewTokens: maxNew), stream: 0)
        var result = CheckpointEvaluation(checkpoint: name, step: loaded.meta.step, parameters: p, greedy: greedy,
                                          greedyRollouts: rollouts.flatMap { $0 },
                                          sampled: nil, greedySeconds: greedySeconds, sampledSeconds: nil)
        if p.samples > 1 {
            let sampling = SamplingParameters(temperature: p.temperature, topP: p.topP, maxNewTokens: maxNew)
            let (_, sampled, seconds) = try pass("\(p.samples) samples", p.samples, sampling, stream: 1)
            result.sampled = sampled
            result.sampledSeconds = seconds
        }
        return result
    }

    // MARK: - JSON

    /// The metrics of one row: greedy pass@1, format rate, lengths and step accuracy of the greedy
    /// responses; with k > 1 the literal keys `mean@k`, `pass@k`, `maj@k` and the same greedy
    /// metrics of the sampled responses under `sampled/`.
    func members(family: Family?, difficulty: Int?) -> [(String, JSONValue)] {
        guard let g = greedy.summary(family: family, difficulty: difficulty) else { return [] }
        var out: [(String, JSONValue)] = [("problems", .int(g.problems))] + EvalMetrics.json(g, prefix: "")
        if let s = sampled?.summary(family: family, difficulty: difficulty) {
            out += [("mean@k", json(s.accuracy)), ("pass@k", json(s.passAtK)), ("maj@k", json(s.majorityAccuracy))]
            out.append(("pass@k_curve", .object(Dictionary(uniqueKeysWithValues: s.passCurve.map { (String($0.k), JSONValue.double($0.value)) }))))
            out += EvalMetrics.json(s, prefix: "sampled/").filter { $0.0 != "sampled/pass@1" }
        }
        return out
    }

    /// One object of `lab eval --json`: `checkpoint`, `step`, `problems`, the metrics of all
    /// problems, `by_family` (family → the same keys) and `by_difficulty` (family → difficulty →
    /// the same keys); with k > 1 also `k`, `temperature` and `seed`. Fractions are in [0, 1].
    public var jsonObject: String {
        var top: [(String, JSONValue)] = [("checkpoint", .string(checkpoint)), ("step", .int(step))]
        if let s = sampled, s.overall.problems > 0 {
            top += [("k", .int(k)), ("temperature", .double(Double("\(parameters.temperature)") ?? 1)),
                    ("seed", .unsigned(parameters.seed))]
        }
        top += members(family: nil, difficulty: nil)
        var byFamily: [String: JSONValue] = [:], byDifficulty: [String: JSONValue] = [:]
        for f in Family.allCases where greedy.byFamily[f] != nil {
            byFamily[f.rawValue] = .object(Dictionary(uniqueKeysWithValues: members(family: f, difficulty: nil)))
            var ds: [String: JSONValue] = [:]
            for d in (greedy.byDifficulty[f] ?? [:]).keys {
                ds[String(d)] = .object(Dictionary(uniqueKeysWithValues: members(family: f, difficulty: d)))
            }
            byDifficulty[f.rawValue] = .object(ds)
        }
        top += [("by_family", .object(byFamily)), ("by_difficulty", .object(byDifficulty)),
                ("seconds", .double(((greedySeconds + (sampledSeconds ?? 0)) * 1000).rounded() / 1000))]
        return JSONValue.object(ordered: top)
    }

    /// `lab eval --json`: a JSON array with one object per checkpoint.
    public static func jsonArray(_ results: [CheckpointEvaluation]) -> String {
        "[\n" + results.map { "  " + $0.jsonObject }.joined(separator: ",\n") + "\n]\n"
    }

    func json(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
}

// MARK: - Tables

public enum EvalTables {
    /// A fraction as a percentage with one decimal (`41.7%`), "-" when undefined: the one format of
    /// accuracies and rates in the eval tables and the trainer's log.
    static func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
    /// A count or length rounded to an integer, "-" when undefined.
    static func num(_ x: Double?) -> String { x.map { String(Int($0.rounded())) } ?? "-" }

    /// The breakdown of one checkpoint: a row per family, per difficulty within it, and all.
    /// pass@1, format, lengths, reasoning and steps are of the greedy responses; mean@k, pass@k,
    /// maj@k, the sampled reasoning share and its accuracy of the k sampled ones.
    public static func breakdown(greedy: Evaluation, sampled: Evaluation?, k: Int) -> String {
        var header = ["group", "n", "pass@1"]
        if sampled != nil { header += ["mean@\(k)", "pass@\(k)", "maj@\(k)", "sampled reasoning", "acc", "sampled retry"] }
        header += ["format", "length", "len ✓", "len ✗", "reasoning", "acc(reasoning)", "acc(direct)", "steps true",
                   "check", "failed", "retry", "acc(retry)"]
        var rows = [header]
        for (f, d) in greedy.rows {
            guard let g = greedy.summary(family: f, difficulty: d) else { continue }
            let label = f.map { family in d.map { "  \(family.rawValue)/\($0)" } ?? family.rawValue } ?? "all"
            var row = [label, String(g.problems), pct(g.accuracy)]
            if let s = sampled?.summary(family: f, difficulty: d) {
                row += [pct(s.accuracy), pct(s.passAtK), pct(s.majorityAccuracy), pct(s.reasoningRate), pct(s.reasoningAccuracy),
                        pct(s.retryRate)]
            } else if sampled != nil {
                row += ["-", "-", "-", "-", "-", "-"]
            }
            row += [pct(g.formatRate), num(g.meanLength), num(g.meanCorrectLength), num(g.meanWrongLength),
                    pct(g.reasoningRate), pct(g.reasoningAccuracy), pct(g.directAccuracy), pct(g.stepAccuracy),
                    pct(g.checkRate), pct(g.failedCheckRate), pct(g.retryRate), pct(g.retriedAccuracy)]
            rows.append(row)
        }
        return render(rows)
    }

    /// Several checkpoints, a row each, so accuracy and length read across training; the last
    /// columns are greedy pass@1 per family.
    public static func acrossCheckpoints(_ results: [CheckpointEvaluation]) -> String {
        let families = Family.allCases.filter { f in results.contains { $0.greedy.byFamily[f] != nil } }
        let ks = Set(results.compactMap { $0.sampled == nil ? nil : $0.k })
        let kName = ks.count == 1 ? String(ks.first!) : "k"
        var header = ["checkpoint", "step", "n", "pass@1"]
        if !ks.isEmpty { header += ["mean@\(kName)", "pass@\(kName)", "maj@\(kName)", "sampled reasoning", "acc"] }
        header += ["format", "length", "len ✓", "len ✗", "steps true"] + families.map(\.rawValue)
        var rows = [header]
        for r in results {
            let g = r.greedy.overall
            var row = [r.checkpoint, String(r.step), String(g.problems), pct(g.accuracy)]
            if !ks.isEmpty {
                let s = r.sampled?.overall
                row += [pct(s?.accuracy), pct(s?.passAtK), pct(s?.majorityAccuracy), pct(s?.reasoningRate), pct(s?.reasoningAccuracy)]
            }
            row += [pct(g.formatRate), num(g.meanLength), num(g.meanCorrectLength), num(g.meanWrongLength), pct(g.stepAccuracy)]
            row += families.map { pct(r.greedy.byFamily[$0]?.accuracy) }
            rows.append(row)
        }
        return render(rows)
    }

    /// pass@k against k (1, 2, 4, … k) of the sampled pass: a row per checkpoint and family, and
    /// all; nil when no checkpoint was sampled more than once.
    public static func passCurves(_ results: [CheckpointEvaluation]) -> String? {
        let sampled = results.filter { $0.sampled != nil }
        guard let ks = sampled.map({ PassAtK.curveKs(upTo: $0.k) }).max(by: { $0.count < $1.count }) else { return nil }
        var rows = [["checkpoint", "group"] + ks.map { "pass@\($0)" }]
        for r in sampled {
            let e = r.sampled!
            let groups: [(String, EvalSummary?)] = Family.allCases.filter { e.byFamily[$0] != nil }.map { ($0.rawValue, e.byFamily[$0]) }
                + [("all", e.overall)]
            for (name, s) in groups {
                let curve = Dictionary(uniqueKeysWithValues: (s?.passCurve ?? []).map { ($0.k, $0.value) })
                rows.append([r.checkpoint, name] + ks.map { pct(curve[$0]) })
            }
        }
        return render(rows)
    }

    /// Columns padded to their widest cell: the first left-aligned, the rest right-aligned.
    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
