// Several runs side by side: `lab compare` prints their Markdown table (held-out result, length,
// time split, memory), and `lab report RUN_A RUN_B …` overlays their held-out accuracy and length
// against the number of sampled responses in one page, so algorithms trained on the same budget
// compare on the same axis.
import Foundation
import Tasks

/// One run's headline figures, read from its config.json, metrics.jsonl and eval.jsonl.
public struct RunSummary {
    public var name: String
    public var algorithm: String
    /// The loss aggregation, for the runs that have one.
    public var aggregation: String?
    public var responsesPerStep: Int
    public var steps: Int
    public var evals: [JSONValue]
    public var metrics: [JSONValue]

    public static func load(_ path: String) throws -> RunSummary {
        let run = RunDirectory(path)
        let config = try RunConfig.load(run.config)
        var aggregation: String? = nil
        switch config.algorithm {
        case let .grpo(p): aggregation = p.loss.rawValue
        case let .ppo(p): aggregation = p.loss.rawValue
        case let .reinforce(p), let .rloo(p): aggregation = p.loss.rawValue
        case .trpo: aggregation = nil
        }
        let metrics = try run.records(run.metrics), evals = try run.records(run.eval)
        guard !metrics.isEmpty else { throw InputFileError(path: run.metrics, message: "no step records: the run has not trained yet") }
        return RunSummary(name: (path as NSString).lastPathComponent, algorithm: config.algorithm.name.rawValue, aggregation: aggregation,
                          responsesPerStep: config.training.batchSize, steps: metrics.count, evals: evals, metrics: metrics)
    }

    func sum(_ key: String) -> Double { metrics.reduce(0) { $0 + ($1[key]?.doubleValue ?? 0) } }
    func last(_ key: String) -> Double? { metrics.last { $0[key]?.doubleValue != nil }?[key]?.doubleValue }
    func maximum(_ key: String) -> Double? { metrics.compactMap { $0[key]?.doubleValue }.max() }
    /// Mean of `key` over the last `n` steps.
    func tail(_ key: String, _ n: Int) -> Double? {
        let xs = metrics.suffix(n).compactMap { $0[key]?.doubleValue }
        return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
    }
    var finalEval: JSONValue? { evals.last }
    /// The evaluation with the highest pass@1; of equals the latest, as lab train's summary and lab report say.
    var bestEval: JSONValue? {
        evals.reduce(nil) { best, e in
            best == nil || (e["pass@1"]?.doubleValue ?? -1) >= (best!["pass@1"]?.doubleValue ?? -1) ? e : best
        }
    }

    /// Held-out pass@1 at the last evaluation made within `seconds` of the run's start (the
    /// evaluation after step s is timed by step s's `time/elapsed_s`).
    public func passAt(seconds: Double) -> (step: Int, pass: Double)? {
        let within = metrics.filter { ($0["time/elapsed_s"]?.doubleValue ?? .infinity) <= seconds }.compactMap { $0["step"]?.intValue }
        let steps = Set(within + [0])
        return evals.last { steps.contains($0["step"]?.intValue ?? -1) }.flatMap { e in
            e["pass@1"]?.doubleValue.map { (e["step"]?.intValue ?? 0, $0) }
        }
    }
}

public enum Comparison {
    /// The table of `runs`: its header and one row of cells per run.
    static func table(_ runs: [RunSummary]) -> (header: [String], rows: [[String]]) {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func num(_ x: Double?, _ f: String = "%.0f") -> String { x.map { String(format: f, $0) } ?? "-" }
        func minutes(_ s: Double?) -> String { s.map { String(format: "%.1f", $0 / 60) } ?? "-" }
        let header = ["run", "algorithm", "loss", "steps × responses", "held-out pass@1 (end)", "best (step)", "mean length (end)",
                      "wrong-response length: held-out (end) / training (last 10 steps)", "wall min", "sampling / scoring / training min",
                      "s per step (median)", "peak RSS MB", "parameters / gradients / optimizer MB"]
        let rows = runs.map { r -> [String] in
            let best = r.bestEval
            let steps = r.metrics.compactMap { m -> Double? in
                guard let sample = m["time/sample_s"]?.doubleValue else { return nil }
                return sample + (m["time/score_s"]?.doubleValue ?? 0) + (m["time/train_s"]?.doubleValue ?? 0)
            }.sorted()
            return [r.name, r.algorithm, r.aggregation ?? "-", "\(r.steps) × \(r.responsesPerStep)",
                    pct(r.finalEval?["pass@1"]?.doubleValue),
                    "\(pct(best?["pass@1"]?.doubleValue)) (\(best?["step"]?.intValue.map(String.init) ?? "-"))",
                    num(r.finalEval?["mean_length"]?.doubleValue),
                    "\(num(r.finalEval?["length/wrong_mean"]?.doubleValue)) / \(num(r.tail("length/wrong_mean", 10)))",
                    minutes(r.last("time/elapsed_s")),
                    "\(minutes(r.sum("time/sample_s"))) / \(minutes(r.sum("time/score_s"))) / \(minutes(r.sum("time/train_s")))",
                    num(steps.isEmpty ? nil : steps[steps.count / 2], "%.2f"),
                    num(r.maximum("memory/peak_rss_mb")),
                    "\(num(r.last("memory/parameters_mb"), "%.1f")) / \(num(r.last("memory/gradients_mb"), "%.1f")) / \(num(r.last("memory/optimizer_mb"), "%.1f"))"]
        }
        return (header, rows)
    }

    /// The Markdown table of `runs`.
    public static func markdown(_ runs: [RunSummary]) -> String {
        let (header, rows) = table(runs)
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
        return line(header) + "|" + String(repeating: "---|", count: header.count) + "\n" + rows.map(line).joined()
    }

    /// The same table in HTML, for the overlay page.
    static func htmlTable(_ runs: [RunSummary]) -> String {
        let (header, rows) = table(runs)
        func line(_ cells: [String], _ tag: String) -> String {
            "<tr>" + cells.map { "<\(tag)>\(TracePainter.escape($0))</\(tag)>" }.joined() + "</tr>\n"
        }
        return "<table class=\"summary compare\">\n" + line(header, "th") + rows.map { line($0, "td") }.joined() + "</table>\n"
    }

    /// The overlay page: held-out pass@1 and mean length of every run against sampled responses.
    public static func html(_ runs: [RunSummary]) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>lab report: \(runs.count) runs</title>
        <style>
        \(RunReport.css)
        </style>
        </head>
        <body>
        <h1>lab report: \(runs.map { TracePainter.escape($0.name) }.joined(separator: ", "))</h1>
        <h2>Curves</h2>
        <div class="charts">

        """
        for id in chartIDs {
            h += "<figure id=\"chart-\(id)\">\n<figcaption><b>\(TracePainter.escape(title(id)))</b> <span class=\"caption\">"
                + "Greedy, on each run's fixed held-out slice (eval.jsonl), against the responses sampled for training so far.</span></figcaption>\n"
            h += svg(id, runs) + "\n<div class=\"legend\">"
            for (i, r) in runs.enumerated() {
                h += "<span><i style=\"background:\(RunReport.colour(i, r.name))\"></i>\(TracePainter.escape(r.name))</span>"
            }
            h += "</div>\n</figure>\n"
        }
        h += "</div>\n<h2>Table</h2>\n" + htmlTable(runs)
        return h + "<p class=\"footer\">Written by <code>lab report</code>.</p>\n</body>\n</html>\n"
    }

    public static let chartIDs = ["compare-accuracy", "compare-length"]

    static func title(_ id: String) -> String {
        id == "compare-accuracy" ? "Held-out accuracy (greedy pass@1)" : "Held-out response length"
    }

    static func svg(_ id: String, _ runs: [RunSummary]) -> String {
        let key = id == "compare-accuracy" ? "pass@1" : "mean_length"
        let series = runs.map { r in
            (label: r.name, points: RunReport.points(r.evals, key).map { (step: $0.step * r.responsesPerStep, value: $0.value) })
        }
        return RunReport.plot(id: id, title: title(id), series: series, axis: id == "compare-accuracy" ? .fraction : .count,
                              xLabel: "sampled responses", yLabel: id == "compare-accuracy" ? "pass@1" : "characters",
                              empty: "no values of \(key) in eval.jsonl")
    }

    /// A chart as a standalone SVG file with title and legend, like `RunReport.standaloneSVG`.
    public static func standaloneSVG(_ id: String, _ runs: [RunSummary]) -> String {
        RunReport.standalone(title: title(id), chart: svg(id, runs), legend: runs.enumerated().map { (RunReport.colour($0.offset, $0.element.name), $0.element.name) })
    }
}
