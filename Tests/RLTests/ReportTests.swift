// The HTML report: a chart per metric group, traces from early and late steps, escaping, and
// errors on bad run directories.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Tasks
@testable import RL

struct ReportTests {
    /// A run directory written by hand: four steps of metrics (KL never logged), evaluations at
    /// steps 0 and 4, traces saved at steps 1 and 4 (one response with HTML in it).
    func makeRun() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-report-\(UUID().uuidString)").path
        var metrics = ""
        for s in 1...4 {
            metrics += #"{"step": \#(s), "reward": \#(0.1 * Double(s)), "accuracy": \#(0.05 * Double(s)), "format_rate": 0.5, "completions/mean_length": \#(40 + 10 * s), "length/correct_mean": \#(s == 2 ? "null" : "60"), "length/wrong_mean": 40, "completions/clipped_ratio": 0.1, "frac_reward_zero_std": 0.5, "kl": null, "entropy": 1.2, "reasoning/check_rate": 0.5, "reasoning/retry_rate": \#(0.02 * Double(s)), "reasoning/retried_accuracy": 0.5, "reasoning/not_retried_accuracy": 0.6}"# + "\n"
        }
        try AtomicFile.write(metrics, to: dir + "/metrics.jsonl")
        try AtomicFile.write(#"{"step": 0, "pass@1": 0.1, "mul/pass@1": 0.2, "mean_length": 40}"# + "\n"
                             + #"{"step": 4, "pass@1": 0.3, "mul/pass@1": 0.5, "mean_length": 70}"# + "\n", to: dir + "/eval.jsonl")
        let run = RunDirectory(dir)
        let early = [rollout(mulProblem, "<think>12*3=36</think><answer>36</answer>"), rollout(mulProblem, answer("35"))]
        try AtomicFile.write(early.map { TraceRecord(rollout: $0, advantage: 0, step: 1).jsonLine + "\n" }.joined(), to: run.samples(step: 1))
        let late = rollout(mulProblem, "<think>a <b> & c</think><answer>36</answer>")
        try AtomicFile.write(TraceRecord(rollout: late, advantage: 1, step: 4).jsonLine + "\n", to: run.samples(step: 4))
        try AtomicFile.write("{\"grpo\": {\"note\": \"<i>\"}}\n", to: run.config)
        return dir
    }

    @Test func everyMetricGroupHasAChartAndMissingMetricsSaySo() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try RunReport.load(RunDirectory(dir))
        let html = report.html
        let ids = ["heldout-accuracy", "heldout-length", "reward", "train-length", "retries", "retry-accuracy", "entropy", "truncation", "zero-variance"]
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == ids.count)
        #expect(report.chartIDs == ids)
        for id in ids {
            let chart = try #require(html.components(separatedBy: "data-chart=\"\(id)\"").dropFirst().first?.components(separatedBy: "</svg>").first)
            #expect(chart.contains("<polyline class=\"series\""), "\(id)")
            #expect(!chart.contains("points=\"\""), "\(id)")
        }
        // KL, never logged, has no chart but a line that says so.
        #expect(!html.contains("data-chart=\"kl\""))
        #expect(html.contains("<p class=\"nodata\">Not shown, as this run logged no values for them: KL to the base model (kl).</p>"))
        // A missing value breaks the line: correct length at steps 1 and 3-4 is two runs, one with 2 points.
        let trainLength = html.components(separatedBy: "data-chart=\"train-length\"")[1].components(separatedBy: "</svg>")[0]
        #expect(trainLength.components(separatedBy: "<polyline class=\"series\" data-label=\"correct\"").count - 1 == 1)
        // Held-out accuracy per family when eval.jsonl has it.
        #expect(html.contains("data-label=\"mul\""))
    }

    /// The run's facts from config.json and the last metrics record; best is the highest value
    /// (not the last) where higher is better, and "-" for lengths.
    @Test func summarySaysWhatTheRunWasAndItsBest() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = RunDirectory(dir)
        try AtomicFile.write(#"{"algorithm": "ppo", "base": "checkpoints/base", "training": {"steps": 10, "promptsPerStep": 4, "groupSize": 2, "learningRate": 3e-06, "seed": 9}, "ppo": {"beta": 0.05, "loss": "dapo"}, "machine": {"cpu": "Test CPU"}}"# + "\n", to: run.config)
        try AtomicFile.write([#"{"step": 0, "pass@1": 0.1, "mean_length": 40}"#, #"{"step": 2, "pass@1": 0.4, "mean_length": 90}"#,
                              #"{"step": 4, "pass@1": 0.3, "mean_length": 70, "time/elapsed_s": 1}"#].joined(separator: "\n") + "\n", to: run.eval)
        let metrics = try String(contentsOfFile: run.metrics, encoding: .utf8).replacingOccurrences(of: #"{"step": 4, "#, with: #"{"step": 4, "time/elapsed_s": 125.4, "#)
        try AtomicFile.write(metrics, to: run.metrics)
        let html = try RunReport.load(run).html
        #expect(html.contains("<p class=\"facts\"><b>ppo</b> from checkpoints/base · 4 of 10 steps of 4 prompts × 2 responses · lr 3e-06 · seed 9 · β 0.05 · loss dapo · wall time 2m05s · on Test CPU</p>"), "\(html.prefix(1500))")
        #expect(html.contains("<tr><th>held-out pass@1</th><td>10.0% <span class=\"dim\">(step 0)</span></td><td>40.0% <span class=\"dim\">(step 2)</span></td><td>30.0% <span class=\"dim\">(step 4)</span></td><td>3</td></tr>"))
        #expect(html.contains("<tr><th>held-out mean length</th><td>40 <span class=\"dim\">(step 0)</span></td><td>-</td><td>70 <span class=\"dim\">(step 4)</span></td><td>3</td></tr>"))
    }

    /// The SVG of one chart of the report for `dir`.
    func chart(_ html: String, _ id: String) throws -> String {
        try #require(html.components(separatedBy: "data-chart=\"\(id)\"").dropFirst().first?.components(separatedBy: "</svg>").first)
    }

    /// The `points` of the polylines of one series, and the (cx, cy) of its markers.
    func drawn(_ chart: String, _ label: String) -> (lines: [String], points: [String]) {
        func tags(_ name: String) -> [String] {
            chart.components(separatedBy: "<\(name) ").dropFirst().map { String($0.prefix { $0 != ">" }) }
                .filter { $0.contains("data-label=\"\(label)\"") }
        }
        let lines = tags("polyline").map { $0.components(separatedBy: "points=\"")[1].components(separatedBy: "\"")[0] }
        let points = tags("circle").map { c in ["cx", "cy"].map { c.components(separatedBy: "\($0)=\"")[1].components(separatedBy: "\"")[0] }.joined(separator: ",") }
        return (lines, points)
    }

    /// Known records give known coordinates. The plot area of a 560 × 250 chart spans x 56…544
    /// and y 14…210 (196 high); steps map linearly from the first to the last, fractions from 0
    /// (bottom) to 1 (top), counts from 0 to the last round tick at or above the largest value.
    @Test func chartPointsAreWhereTheRecordsPutThem() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let html = try RunReport.load(RunDirectory(dir)).html
        // eval.jsonl: pass@1 0.1 at step 0, 0.3 at step 4; mul/pass@1 0.2 and 0.5.
        let accuracy = try chart(html, "heldout-accuracy")
        #expect(accuracy.contains("data-series=\"2\""))
        #expect(drawn(accuracy, "all").lines == ["56.0,190.4 544.0,151.2"])           // y = 14 + (1 − v) · 196
        #expect(drawn(accuracy, "all").points == ["56.0,190.4", "544.0,151.2"])
        #expect(drawn(accuracy, "mul").lines == ["56.0,170.8 544.0,112.0"])
        // metrics.jsonl: entropy 1.2 at steps 1…4; the count axis runs 0…1.5 (ticks 0, 0.5, 1, 1.5).
        let entropy = try chart(html, "entropy")
        #expect(drawn(entropy, "entropy").lines == ["56.0,53.2 218.7,53.2 381.3,53.2 544.0,53.2"])
        #expect(drawn(entropy, "entropy").points.count == 4)
        // Reward 0.1 s at step s: one point per record, in step order, rising.
        let reward = try chart(html, "reward")
        let rewardPoints = drawn(reward, "reward").points
        #expect(rewardPoints.count == 4)
        let ys = rewardPoints.map { Double($0.split(separator: ",")[1])! }
        #expect(ys == ys.sorted(by: >))
        // length/correct_mean is null at step 2: a marker at step 1 alone, a line over steps 3-4.
        let length = try chart(html, "train-length")
        let correct = drawn(length, "correct")
        #expect(correct.points.count == 3 && correct.lines.count == 1)
        #expect(correct.lines[0].split(separator: " ").map { $0.split(separator: ",")[0] } == ["381.3", "544.0"])
        #expect(correct.points[0].hasPrefix("56.0,"))
    }

    /// A standalone chart (for README) is one well-formed SVG document with the chart's title,
    /// its lines, its own styles and a legend entry per drawn series.
    @Test func standaloneChartsAreWholeSVGDocuments() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try RunReport.load(RunDirectory(dir))
        #expect(report.chartIDs.count == 9 && report.standaloneSVG(chart: "no-such-chart") == nil)
        let svg = try #require(report.standaloneSVG(chart: "heldout-accuracy"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("<style>") && svg.contains("Held-out accuracy (greedy pass@1)"))
        #expect(drawn(svg, "all").lines == ["56.0,190.4 544.0,151.2"] && drawn(svg, "mul").lines.count == 1)
        #expect(svg.contains(">all</text>") && svg.contains(">mul</text>"))
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
    }

    /// In a long series (over 80 points) only isolated values get markers; they are the only
    /// way such a value shows.
    @Test func isolatedValuesOfLongSeriesStillShow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-report-long-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var metrics = ""
        for s in 1...100 {
            let correct = s % 10 == 0 ? "50" : "null"          // accuracy near zero: a correct response now and then
            metrics += #"{"step": \#(s), "reward": 0.1, "completions/mean_length": 40, "length/correct_mean": \#(correct), "length/wrong_mean": 40}"# + "\n"
        }
        try AtomicFile.write(metrics, to: dir + "/metrics.jsonl")
        let length = try chart(try RunReport.load(RunDirectory(dir)).html, "train-length")
        #expect(length.contains("data-series=\"3\""))
        #expect(drawn(length, "correct").lines.isEmpty && drawn(length, "correct").points.count == 10)
        #expect(drawn(length, "all").lines.count == 1 && drawn(length, "all").points.isEmpty)
    }

    @Test func tracesFromEarlyAndLateStepsAreEscaped() throws {
        let dir = try makeRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let html = try RunReport.load(RunDirectory(dir)).html
        #expect(html.contains("<h3>Step 1 (early)</h3>") && html.contains("<h3>Step 4 (late)</h3>"))
        #expect(html.components(separatedBy: "<pre class=\"trace\">").count - 1 == 3)
        #expect(html.contains("a &lt;b&gt; &amp; c") && !html.contains("a <b> & c"))
        #expect(html.contains("&lt;i&gt;") && !html.contains("<i>\""))      // config.json escaped too
        #expect(html.contains("<span class=\"claim-true\">12*3=36 ✓</span>"))
        // Self-contained: nothing fetched.
        for external in ["src=", "href=", "@import", "url("] { #expect(!html.contains(external), "\(external)") }
    }

    @Test func pickTakesOneResponsePerProblemBeforeASecond() {
        let other = Problem(id: "mul-9", family: .mul, difficulty: 1, question: "2*2", answer: "4")
        let traces = [rollout(mulProblem, answer("1")), rollout(mulProblem, answer("2")), rollout(other, answer("4")),
                      rollout(other, answer("5"))].map { Trace($0) }
        let picked = RunReport.pick(traces, 2)
        #expect(picked.map(\.problem.id) == ["mul-1", "mul-9"])
        #expect(picked[1].verdict == .correct)
    }

    @Test func badRunDirectoriesSayWhatWasExpected() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-report-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try RunReport.load(RunDirectory(dir)) }.contains("expected a run directory written by lab train"))
        #expect(message { _ = try RunReport.load(RunDirectory(dir + "/none")) } == "\(dir)/none: no such directory")
        try AtomicFile.write("{\"step\": 1}\n{\"step\": 2, \n", to: dir + "/metrics.jsonl")
        #expect(message { _ = try RunReport.load(RunDirectory(dir)) }.hasPrefix("\(dir)/metrics.jsonl:2: not valid JSON"))
        try AtomicFile.write("{\"step\": 1}\n", to: dir + "/metrics.jsonl")
        try AtomicFile.write("{}\n", to: RunDirectory(dir).samples(step: 5))
        #expect(message { _ = try RunDirectory(dir).traces(step: 2) }
                == "\(dir)/samples/step_000002.jsonl: no traces were saved at step 2; expected one of the steps with traces: 5")
        #expect(message { _ = try RunDirectory(dir).traces(step: 5) } == "\(dir)/samples/step_000005.jsonl:1: missing field \"problem\"")
    }
}

struct AlgorithmChartTests {
    /// A PPO or TRPO run's report adds a chart of its own metrics; a GRPO run's has none of them.
    @Test func theAlgorithmsOwnMetricsGetCharts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-report-algo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = (1...3).map { #"{"step": \#($0), "reward": 0.5, "critic/vf_loss": \#(0.2 / Double($0)), "critic/vf_explained_var": \#(0.1 * Double($0)), "trpo/kl": 0.007, "trpo/accepted": 1, "trpo/cg_residual": 0.5}"# }
        try AtomicFile.write(m.joined(separator: "\n") + "\n", to: dir + "/metrics.jsonl")
        let report = try RunReport.load(RunDirectory(dir))
        #expect(report.chartIDs.suffix(2) == ["critic", "trpo"])
        #expect(report.html.contains("data-chart=\"critic\" data-series=\"2\"") && report.html.contains("data-chart=\"trpo\" data-series=\"3\""))
        try AtomicFile.write(#"{"step": 1, "reward": 0.5}"# + "\n", to: dir + "/metrics.jsonl")
        #expect(!(try RunReport.load(RunDirectory(dir))).chartIDs.contains("critic"))
    }
}
