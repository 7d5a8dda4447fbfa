// `lab report`: one self-contained HTML file per run (inline SVG charts, inline CSS, nothing
// fetched, no script): held-out accuracy and response length against step (the R1-Zero figure),
// the training curves, and sampled traces from an early and a late step.
import Foundation
import Tasks

/// What the report shows.
public struct ReportParameters: Codable, Equatable, Sendable {
    /// Traces shown from each of the earliest and the latest step with saved traces: half
    /// correct and half not where the step has both, so success and failure read side by side.
    public var tracesPerStep = 4

    public init() {}

    /// Throws when a value cannot work, naming the `lab report` flag.
    public func validate() throws(ParameterError) {
        try ParameterError.check(tracesPerStep >= 0, flag: "--traces", "must be 0 or more", got: tracesPerStep)
    }
}

/// One chart: a metric group from one log, each key a line.
struct ChartSpec {
    enum Source: String { case eval = "eval.jsonl", metrics = "metrics.jsonl" }
    enum Axis { case fraction, count }
    var id: String
    var title: String
    /// One sentence on how to read it.
    var caption: String
    var source: Source
    var series: [(key: String, label: String)]
    var axis: Axis
    var yLabel: String
}

public struct RunReport {
    public var path: String
    /// config.json as written (pretty JSON), when present.
    public var configText: String?
    public var metrics: [JSONValue]
    public var evals: [JSONValue]
    /// Traces of the earliest and the latest steps with saved traces (one entry when equal).
    public var traces: [(step: Int, traces: [Trace])]
    /// Objects of a `lab eval --samples K --json` file: their pass@k curves are charted.
    public var passCurves: [JSONValue] = []

    public init(path: String, configText: String?, metrics: [JSONValue], evals: [JSONValue], traces: [(step: Int, traces: [Trace])]) {
        self.path = path; self.configText = configText; self.metrics = metrics; self.evals = evals; self.traces = traces
    }

    /// Reads what `lab train` wrote. A run directory needs metrics.jsonl or eval.jsonl; a bad
    /// line in either (or in a traces file) is an error naming the file and line.
    public static func load(_ run: RunDirectory, parameters: ReportParameters = ReportParameters()) throws(InputFileError) -> RunReport {
        try run.requireDirectory()
        let metrics = try run.records(run.metrics), evals = try run.records(run.eval)
        guard !metrics.isEmpty || !evals.isEmpty else {
            throw InputFileError(path: run.path, message: "expected a run directory written by lab train, with records in "
                                 + "metrics.jsonl or eval.jsonl; found neither")
        }
        let steps = run.traceSteps
        var traces: [(Int, [Trace])] = []
        for step in Set([steps.first, steps.last].compactMap { $0 }).sorted() {
            traces.append((step, pick(try run.traces(step: step), parameters.tracesPerStep)))
        }
        let config = try? String(contentsOfFile: run.config, encoding: .utf8)
        return RunReport(path: run.path, configText: config, metrics: metrics, evals: evals, traces: traces)
    }

    /// Up to `n` traces, one problem at a time (a step saves G responses to each problem, so
    /// file order would show one problem only): correct ones up to half, then the others, then
    /// whatever fills the rest.
    static func pick(_ all: [Trace], _ n: Int) -> [Trace] {
        let n = max(0, n)
        var seen: [String: Int] = [:]
        let rank = all.map { t -> Int in defer { seen[t.problem.id, default: 0] += 1 }; return seen[t.problem.id, default: 0] }
        let order = all.indices.sorted { (rank[$0], $0) < (rank[$1], $1) }
        let right = order.filter { all[$0].verdict == .correct }.prefix(n / 2)
        let wrong = order.filter { all[$0].verdict != .correct }.prefix(n - right.count)
        var chosen = Set(right + wrong)
        for i in order where chosen.count < n { chosen.insert(i) }
        return order.filter(chosen.contains).map { all[$0] }
    }

    // MARK: - Charts

    var families: [Family] {
        Family.allCases.filter { f in evals.contains { $0["\(f.rawValue)/pass@1"]?.doubleValue != nil } }
    }

    /// The charts, in reading order. Every chart is drawn; one whose keys have no values says so.
    var charts: [ChartSpec] {
        [
            ChartSpec(id: "heldout-accuracy", title: "Held-out accuracy (greedy pass@1)",
                      caption: "The R1-Zero figure, left: accuracy on the fixed held-out slice, all problems and per family.",
                      source: .eval, series: [("pass@1", "all")] + families.map { ("\($0.rawValue)/pass@1", $0.rawValue) },
                      axis: .fraction, yLabel: "pass@1"),
            ChartSpec(id: "heldout-length", title: "Held-out response length",
                      caption: "The R1-Zero figure, right: mean characters per greedy response, and of the correct and the wrong ones.",
                      source: .eval, series: [("mean_length", "all"), ("length/correct_mean", "correct"), ("length/wrong_mean", "wrong")],
                      axis: .count, yLabel: "characters"),
            ChartSpec(id: "reward", title: "Training reward and accuracy",
                      caption: "Mean reward and accuracy of the responses sampled at each step.",
                      source: .metrics, series: [("reward", "reward"), ("accuracy", "accuracy"), ("format_rate", "format rate")],
                      axis: .count, yLabel: "mean"),
            ChartSpec(id: "train-length", title: "Training response length: correct against wrong",
                      caption: "Mean characters of the sampled responses; correct ones growing longer is reasoning paying off.",
                      source: .metrics, series: [("completions/mean_length", "all"), ("length/correct_mean", "correct"),
                                                 ("length/wrong_mean", "wrong")],
                      axis: .count, yLabel: "characters"),
            ChartSpec(id: "retries", title: "Checks and retries",
                      caption: "Shares of the sampled responses with a check line, a failed check, and a retry after a failed check (wait, redo): R1-Zero's aha, counted.",
                      source: .metrics, series: [("reasoning/check_rate", "check"), ("reasoning/failed_check_rate", "failed check"),
                                                 ("reasoning/retry_rate", "retry")],
                      axis: .fraction, yLabel: "share"),
            ChartSpec(id: "retry-accuracy", title: "Accuracy with and without a retry",
                      caption: "Accuracy of the sampled responses that retried after a failed check, and of all the others; a step without a retry breaks the first line, and few retries make it noisy.",
                      source: .metrics, series: [("reasoning/retried_accuracy", "retried"), ("reasoning/not_retried_accuracy", "not retried")],
                      axis: .fraction, yLabel: "accuracy"),
            ChartSpec(id: "kl", title: "KL to the base model",
                      caption: "k3 estimate per token; logged only when β > 0.",
                      source: .metrics, series: [("kl", "kl")], axis: .count, yLabel: "nats"),
            ChartSpec(id: "entropy", title: "Entropy",
                      caption: "Mean per-token entropy of the policy on its samples; a collapse means it stopped exploring.",
                      source: .metrics, series: [("entropy", "entropy")], axis: .count, yLabel: "nats"),
            ChartSpec(id: "truncation", title: "Truncated responses",
                      caption: "Share of responses cut by the length limit.",
                      source: .metrics, series: [("completions/clipped_ratio", "truncated")], axis: .fraction, yLabel: "share"),
            ChartSpec(id: "zero-variance", title: "Groups with zero reward variance",
                      caption: "Share of groups whose rewards are all equal: they carry no learning signal.",
                      source: .metrics, series: [("frac_reward_zero_std", "zero std")], axis: .fraction, yLabel: "share"),
        ] + algorithmCharts
    }

    /// Charts of the algorithm's own metrics, for the runs that logged them.
    var algorithmCharts: [ChartSpec] {
        func logged(_ key: String) -> Bool { metrics.contains { $0[key]?.doubleValue != nil } }
        var out: [ChartSpec] = []
        if logged("critic/vf_loss") {
            out.append(ChartSpec(id: "critic", title: "Critic",
                                 caption: "The value loss, and the share of the returns' variance the values explain (1: all, 0: no better than their mean).",
                                 source: .metrics, series: [("critic/vf_loss", "value loss"), ("critic/vf_explained_var", "explained variance")],
                                 axis: .count, yLabel: "value"))
        }
        if logged("trpo/kl") {
            out.append(ChartSpec(id: "trpo", title: "TRPO's steps",
                                 caption: "The mean KL(π_old ‖ π_θ) of the step taken (0 when refused), whether it was accepted, and CG's relative residual.",
                                 source: .metrics, series: [("trpo/kl", "KL"), ("trpo/accepted", "accepted"), ("trpo/cg_residual", "CG residual")],
                                 axis: .count, yLabel: "value"))
        }
        return out
    }

    static let palette = ["#222222", "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Series `i` of a chart: correct is green and wrong red wherever they appear.
    static func colour(_ i: Int, _ label: String) -> String {
        switch label {
        case "correct": return "#2ca02c"
        case "wrong": return "#d62728"
        default: return palette[i % palette.count]
        }
    }

    /// The points (step, value) of `key` in `records`; a record without a value breaks the line.
    static func points(_ records: [JSONValue], _ key: String) -> [(step: Int, value: Double?)] {
        records.compactMap { r in r["step"]?.intValue.map { ($0, r[key]?.doubleValue.flatMap { $0.isFinite ? $0 : nil }) } }
    }

    func svg(_ chart: ChartSpec) -> String {
        let records = chart.source == .eval ? evals : metrics
        let keys = chart.series.map(\.key).joined(separator: ", ")
        return Self.plot(id: chart.id, title: chart.title, series: chart.series.map { ($0.label, Self.points(records, $0.key)) },
                         axis: chart.axis, xLabel: "step", yLabel: chart.yLabel, empty: "no values of \(keys) in \(chart.source.rawValue)")
    }

    /// One chart as inline SVG: each series a line over its (x, value) points, a missing value
    /// breaking the line; `empty` is shown when no series has a value.
    static func plot(id: String, title: String, series: [(label: String, points: [(step: Int, value: Double?)])],
                     axis: ChartSpec.Axis, xLabel: String, yLabel: String, empty: String) -> String {
        let values = series.flatMap { $0.points.compactMap(\.value) }
        let drawn = series.filter { $0.points.contains { $0.value != nil } }
        let (W, H) = (560.0, 250.0), (left, right, top, bottom) = (56.0, 16.0, 14.0, 40.0)
        var out = "<svg class=\"chart\" data-chart=\"\(id)\" data-series=\"\(drawn.count)\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" "
            + "width=\"\(Int(W))\" height=\"\(Int(H))\" role=\"img\" aria-label=\"\(TracePainter.escape(title))\" "
            + "xmlns=\"http://www.w3.org/2000/svg\">\n"
        guard !values.isEmpty else {
            out += "<rect x=\"0.5\" y=\"0.5\" width=\"\(Int(W) - 1)\" height=\"\(Int(H) - 1)\" class=\"frame\"/>\n"
            out += "<text x=\"\(W / 2)\" y=\"\(H / 2)\" text-anchor=\"middle\" class=\"nodata\">\(TracePainter.escape(empty))</text>\n</svg>"
            return out
        }
        let steps = series.flatMap { $0.points.filter { $0.value != nil }.map(\.step) }
        var (x0, x1) = (Double(steps.min()!), Double(steps.max()!))
        if x0 == x1 { x0 -= 1; x1 += 1 }
        // Fractions keep the whole [0, 1] so curves compare across charts and runs.
        var (y0, y1) = (min(0, values.min()!), axis == .fraction ? max(1, values.max()!) : values.max()!)
        if y0 == y1 { y1 = y0 + 1 }
        let yTicks = ticks(y0, y1)
        y0 = min(y0, yTicks.first!); y1 = max(y1, yTicks.last!)
        let xTicks = ticks(x0, x1, integer: true)
        let pw = W - left - right, ph = H - top - bottom
        func X(_ s: Double) -> Double { left + (s - x0) / (x1 - x0) * pw }
        func Y(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        for t in yTicks {
            out += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(W - right))\" y1=\"\(f(Y(t)))\" y2=\"\(f(Y(t)))\"/>"
            out += "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(Y(t) + 4))\" text-anchor=\"end\">\(Self.label(t, axis))</text>\n"
        }
        for t in xTicks where t >= x0 && t <= x1 {
            out += "<line class=\"tickmark\" x1=\"\(f(X(t)))\" x2=\"\(f(X(t)))\" y1=\"\(f(H - bottom))\" y2=\"\(f(H - bottom + 4))\"/>"
            out += "<text class=\"tick\" x=\"\(f(X(t)))\" y=\"\(f(H - bottom + 16))\" text-anchor=\"middle\">\(Int(t))</text>\n"
        }
        out += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(W - right))\" y1=\"\(f(H - bottom))\" y2=\"\(f(H - bottom))\"/>"
        out += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(H - bottom))\"/>\n"
        out += "<text class=\"axis-label\" x=\"\(f(left + pw / 2))\" y=\"\(f(H - 6))\" text-anchor=\"middle\">\(TracePainter.escape(xLabel))</text>"
        out += "<text class=\"axis-label\" transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + "\(TracePainter.escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let colour = colour(i, s.label)
            let width = i == 0 ? 2.5 : 1.5
            // Consecutive points with values form one line; a missing value starts another.
            var runs: [[(Int, Double)]] = [[]]
            for p in s.points {
                if let v = p.value { runs[runs.count - 1].append((p.step, v)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where run.count >= 2 {
                out += "<polyline class=\"series\" data-label=\"\(TracePainter.escape(s.label))\" fill=\"none\" stroke=\"\(colour)\" "
                    + "stroke-width=\"\(width)\" points=\"" + run.map { "\(f(X(Double($0.0)))),\(f(Y($0.1)))" }.joined(separator: " ") + "\"/>\n"
            }
            // A marker at every point of a short series; in a long one only at isolated points (a
            // value between two missing ones), which no line can show.
            let marked = s.points.count <= 80 ? Array(runs.joined()) : runs.filter { $0.count == 1 }.map { $0[0] }
            for (step, v) in marked {
                out += "<circle class=\"point\" data-label=\"\(TracePainter.escape(s.label))\" cx=\"\(f(X(Double(step))))\" "
                    + "cy=\"\(f(Y(v)))\" r=\"2.5\" fill=\"\(colour)\">"
                    + "<title>\(TracePainter.escape(s.label)) at \(TracePainter.escape(xLabel)) \(step): \(Self.label(v, axis, precise: true))</title></circle>"
            }
            if !marked.isEmpty { out += "\n" }
        }
        return out + "</svg>"
    }

    /// About five round ticks covering [lo, hi] (steps 1, 2 or 5 × 10ⁿ).
    static func ticks(_ lo: Double, _ hi: Double, integer: Bool = false) -> [Double] {
        let raw = (hi - lo) / 5
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integer { step = max(1, step.rounded()) }
        let first = floor(lo / step) * step
        return stride(from: first, through: ceil(hi / step) * step + step / 2, by: step).map { $0 }
    }

    static func label(_ v: Double, _ axis: ChartSpec.Axis, precise: Bool = false) -> String {
        switch axis {
        case .fraction: return String(format: precise ? "%.1f%%" : "%.0f%%", v * 100)
        case .count: return precise ? String(format: "%.4g", v) : String(format: "%g", (v * 1e6).rounded() / 1e6)
        }
    }

    // MARK: - HTML

    /// The whole report: no external resource, no script, deterministic for the same run files.
    public var html: String {
        let name = TracePainter.escape((path as NSString).lastPathComponent)
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>lab report: \(name)</title>
        <style>
        \(Self.css)
        </style>
        </head>
        <body>
        <h1>lab report: \(name)</h1>
        <p class="path">\(TracePainter.escape(path))</p>

        """
        h += facts + summary
        if let configText { h += "<details><summary>config.json</summary><pre>\(TracePainter.escape(configText))</pre></details>\n" }
        h += "<h2>Curves</h2>\n<div class=\"charts\">\n"
        for chart in shownCharts {
            let drawn = chart.series.filter { s in Self.points(chart.source == .eval ? evals : metrics, s.key).contains { $0.value != nil } }
            h += Self.figure(id: chart.id, title: chart.title, caption: "\(chart.caption) (\(chart.source.rawValue))", svg: svg(chart),
                             legend: chart.series.enumerated().filter { s in drawn.contains { $0.key == s.element.key } }
                                 .map { (Self.colour($0.offset, $0.element.label), $0.element.label) })
        }
        h += "</div>\n"
        let empty = charts.filter { !hasData($0) }
        if !empty.isEmpty {
            h += "<p class=\"nodata\">Not shown, as this run logged no values for them: "
                + empty.map { "\(TracePainter.escape($0.title)) (" + $0.series.map(\.key).joined(separator: ", ") + ")" }.joined(separator: "; ")
                + ".</p>\n"
        }
        if !passCharts.isEmpty {
            h += "<h2>pass@k against k</h2>\n<p class=\"caption\">From the eval file: the unbiased pass@k of k samples per held-out problem. "
                + "A trained model above its base at k = 1 but not at large k sharpens what the base could already do; above it at large k, it solves problems the base could not.</p>\n<div class=\"charts\">\n"
            for c in passCharts {
                h += Self.figure(id: c.id, title: c.title, caption: nil, svg: passSVG(c),
                                 legend: c.series.enumerated().map { (Self.colour($0.offset, $0.element.label), $0.element.label) })
            }
            h += "</div>\n"
        }
        h += "<h2>Sampled traces</h2>\n"
        if traces.isEmpty { h += "<p class=\"nodata\">No traces saved in samples/.</p>\n" }
        let painter = TracePainter(.html)
        for (n, set) in traces.enumerated() {
            let when = traces.count == 1 ? "" : (n == 0 ? " (early)" : " (late)")
            h += "<h3>Step \(set.step)\(when)</h3>\n"
            for (i, t) in set.traces.enumerated() {
                h += "<pre class=\"trace\">" + TraceText.render(t, index: String(i + 1), painter: painter) + "</pre>\n"
            }
        }
        return h + "<p class=\"footer\">Written by <code>lab report</code>.</p>\n</body>\n</html>\n"
    }

    /// Whether any of the chart's series has a value in its log.
    func hasData(_ chart: ChartSpec) -> Bool {
        chart.series.contains { s in Self.points(chart.source == .eval ? evals : metrics, s.key).contains { $0.value != nil } }
    }

    /// The charts drawn: those with data (the others get a one-line note).
    var shownCharts: [ChartSpec] { charts.filter(hasData) }

    /// One line on what the run was: algorithm, base, steps and batch, learning rate, seed, wall
    /// time and machine, from config.json and the last metrics record.
    var facts: String {
        guard let text = configText, let c = try? JSONValue.parse(text) else { return "" }
        var parts: [String] = []
        let algorithm = c["algorithm"]?.stringValue ?? "grpo"
        parts.append("<b>\(TracePainter.escape(algorithm))</b>" + (c["base"]?.stringValue.map { " from \(TracePainter.escape($0))" } ?? ""))
        if let t = c["training"] {
            let done = metrics.last?["step"]?.intValue
            if let steps = t["steps"]?.intValue, let p = t["promptsPerStep"]?.intValue, let g = t["groupSize"]?.intValue {
                parts.append((done.map { "\($0) of " } ?? "") + "\(steps) steps of \(p) prompts × \(g) responses")
            }
            if algorithm != "trpo", let lr = t["learningRate"]?.doubleValue { parts.append("lr " + String(format: "%g", lr)) }
            if let seed = t["seed"]?.uint64Value { parts.append("seed \(seed)") }
        }
        if let a = c[algorithm] {
            if let beta = a["beta"]?.doubleValue { parts.append("β " + String(format: "%g", beta)) }
            if let loss = a["loss"]?.stringValue { parts.append("loss \(loss)") }
            if let delta = a["delta"]?.doubleValue { parts.append("δ " + String(format: "%g", delta)) }
        }
        if let elapsed = metrics.last?["time/elapsed_s"]?.doubleValue { parts.append("wall time \(Trainer.clock(elapsed))") }
        if let cpu = c["machine"]?["cpu"]?.stringValue { parts.append("on \(TracePainter.escape(cpu))") }
        return "<p class=\"facts\">" + parts.joined(separator: " · ") + "</p>\n"
    }

    /// First, best and last values of the headline numbers (best: the highest, for the ones
    /// where higher is better; the latest of equals).
    var summary: String {
        func span(_ records: [JSONValue], _ key: String, _ axis: ChartSpec.Axis, best: Bool) -> [String] {
            let pts = Self.points(records, key).filter { $0.value != nil }
            guard let a = pts.first, let b = pts.last else { return ["-", "-", "-", "-"] }
            func cell(_ p: (step: Int, value: Double?)) -> String {
                "\(Self.label(p.value!, axis, precise: true)) <span class=\"dim\">(step \(p.step))</span>"
            }
            let top = pts.reduce(a) { $1.value! >= $0.value! ? $1 : $0 }
            return [cell(a), best ? cell(top) : "-", cell(b), String(pts.count)]
        }
        let rows: [(String, [String])] = [
            ("held-out pass@1", span(evals, "pass@1", .fraction, best: true)),
            ("held-out mean length", span(evals, "mean_length", .count, best: false)),
            ("training accuracy", span(metrics, "accuracy", .fraction, best: true)),
            ("training reward", span(metrics, "reward", .count, best: true)),
            ("training mean length", span(metrics, "completions/mean_length", .count, best: false)),
        ]
        var h = "<table class=\"summary\"><tr><th></th><th>first</th><th>best</th><th>last</th><th>records</th></tr>\n"
        for (name, cells) in rows { h += "<tr><th>\(name)</th>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return h + "</table>\n"
    }

    /// The chart styles, shared by the HTML page and the standalone SVG files.
    static let svgCSS = """
    svg .grid { stroke: #eee; } svg .axis, svg .tickmark { stroke: #888; } svg .frame { fill: none; stroke: #eee; }
    svg .tick { font-size: 11px; fill: #555; } svg .axis-label { font-size: 12px; fill: #333; } svg .nodata { fill: #999; font-size: 13px; }
    """

    /// One chart of the page: its title and caption, the SVG and a legend of (colour, label).
    static func figure(id: String, title: String, caption: String?, svg: String, legend: [(colour: String, label: String)]) -> String {
        var h = "<figure id=\"chart-\(id)\">\n<figcaption><b>\(TracePainter.escape(title))</b>"
            + (caption.map { " <span class=\"caption\">\(TracePainter.escape($0))</span>" } ?? "") + "</figcaption>\n"
        h += svg + "\n<div class=\"legend\">"
        for (colour, label) in legend { h += "<span><i style=\"background:\(colour)\"></i>\(TracePainter.escape(label))</span>" }
        return h + "</div>\n</figure>\n"
    }

    /// Ids of the charts, for `standaloneSVG(chart:)`.
    public var chartIDs: [String] { shownCharts.map(\.id) + passCharts.map(\.id) }

    // MARK: - pass@k against k

    /// One chart per group (all, then each family) of pass@k against log₂ k, a line per
    /// checkpoint of the eval file.
    struct PassChart {
        var id: String, title: String
        var series: [(label: String, points: [(step: Int, value: Double?)])]
    }

    var passCharts: [PassChart] {
        guard !passCurves.isEmpty else { return [] }
        func curve(_ e: JSONValue, _ family: String?) -> [(step: Int, value: Double?)] {
            let row = family.map { e["by_family"]?[$0] } ?? e
            guard case let .object(c)? = row?["pass@k_curve"] else { return [] }
            return c.compactMap { k, v in Int(k).map { (Int(log2(Double($0)).rounded()), v.doubleValue) } }.sorted { $0.step < $1.step }
        }
        let families = Family.allCases.map(\.rawValue).filter { f in passCurves.contains { !curve($0, f).isEmpty } }
        return ([nil] + families).map { f in
            PassChart(id: "pass-at-k-" + (f ?? "all"), title: "pass@k against k: " + (f ?? "all problems"),
                      series: passCurves.enumerated().map { i, e in (e["checkpoint"]?.stringValue ?? "checkpoint \(i + 1)", curve(e, f)) })
        }
    }

    func passSVG(_ c: PassChart) -> String {
        Self.plot(id: c.id, title: c.title, series: c.series, axis: .fraction, xLabel: "log₂ k (k = 1, 2, 4, … samples)",
                  yLabel: "pass@k", empty: "no pass@k curve in the eval file")
    }

    /// One chart as a standalone SVG file with its title, legend and styles (for a README, which
    /// shows SVG images but not inline HTML); nil for an unknown id.
    public func standaloneSVG(chart id: String) -> String? {
        if let c = passCharts.first(where: { $0.id == id }) {
            return Self.standalone(title: c.title, chart: passSVG(c),
                                   legend: c.series.enumerated().map { (Self.colour($0.offset, $0.element.label), $0.element.label) })
        }
        guard let chart = charts.first(where: { $0.id == id }) else { return nil }
        let records = chart.source == .eval ? evals : metrics
        let legend = chart.series.enumerated().filter { Self.points(records, $0.element.key).contains { $0.value != nil } }
            .map { (Self.colour($0.offset, $0.element.label), $0.element.label) }
        return Self.standalone(title: chart.title, chart: svg(chart), legend: legend)
    }

    /// A chart's inline SVG wrapped as a standalone file: white background, title, the chart, and
    /// a legend line of (colour, label).
    static func standalone(title: String, chart: String, legend: [(colour: String, label: String)]) -> String {
        let (W, H) = (560, 300)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(W)\" height=\"\(H)\" viewBox=\"0 0 \(W) \(H)\" "
            + "font-family=\"system-ui, sans-serif\">\n<style>\n\(svgCSS)\n</style>\n"
            + "<rect width=\"\(W)\" height=\"\(H)\" fill=\"#fff\"/>\n"
            + "<text x=\"8\" y=\"17\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">\(TracePainter.escape(title))</text>\n"
        out += chart.replacingOccurrences(of: "<svg class=\"chart\"", with: "<svg x=\"0\" y=\"24\" class=\"chart\"") + "\n"
        var x = 56.0
        for (colour, label) in legend {
            out += "<line x1=\"\(x)\" x2=\"\(x + 14)\" y1=\"288\" y2=\"288\" stroke=\"\(colour)\" stroke-width=\"3\"/>"
                + "<text x=\"\(x + 19)\" y=\"292\" font-size=\"12\" fill=\"#333\">\(TracePainter.escape(label))</text>\n"
            x += 19 + 7 * Double(label.count) + 16
        }
        return out + "</svg>\n"
    }

    static let css = """
    body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; padding: 0 16px; }
    h1 { font-size: 22px; margin-bottom: 0; } .path { color: #777; margin-top: 2px; font-family: monospace; } .facts { margin: 8px 0; }
    h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
    table.summary { border-collapse: collapse; margin: 12px 0; } table.summary th, table.summary td { padding: 3px 12px; text-align: right; }
    table.summary th:first-child { text-align: left; } table.summary tr + tr { border-top: 1px solid #eee; }
    table.compare { font-size: 13px; } table.compare th { vertical-align: bottom; font-weight: 600; max-width: 130px; }
    table.compare td { white-space: nowrap; } table.compare td:first-child { font-family: monospace; text-align: left; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 18px; }
    figure { margin: 0; } figcaption { margin-bottom: 4px; } .caption { color: #666; font-size: 12px; }
    svg.chart { background: #fff; border: 1px solid #e4e4e4; }
    \(svgCSS)
    .legend span { margin-right: 14px; font-size: 12px; } .legend i { display: inline-block; width: 14px; height: 3px; margin-right: 5px; vertical-align: middle; }
    pre { background: #fafafa; border: 1px solid #eee; padding: 8px 10px; overflow-x: auto; font-size: 12.5px; }
    pre.trace { white-space: pre-wrap; }
    .heading { font-weight: bold; } .label, .dim { color: #888; }
    .claim-true { color: #1a7f37; } .claim-false { color: #cf222e; font-weight: bold; } .retry { color: #0969da; font-weight: bold; }
    .correct { color: #1a7f37; font-weight: bold; } .wrong { color: #cf222e; font-weight: bold; }
    .malformed { color: #b35900; font-weight: bold; } .missing { color: #8250df; font-weight: bold; }
    .nodata { color: #999; } .footer { color: #999; font-size: 12px; margin-top: 32px; }
    """
}
