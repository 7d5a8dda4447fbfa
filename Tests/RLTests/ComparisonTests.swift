// Several runs side by side: the Markdown table's figures from known records, the overlay's points
// on the sampled-responses axis, and the held-out result at a given wall time.
import Foundation
import Testing
import Tasks
@testable import RL

struct ComparisonTests {
    /// A run directory written by hand: `steps` steps of 2 × 2 responses, 10 s each, evaluations at
    /// steps 0, 2 and 4 with pass@1 0.1, `best` and 0.3.
    func makeRun(_ name: String, algorithm: AlgorithmName, best: Double, in root: String) throws -> String {
        let dir = root + "/" + name
        var c = RunConfig(base: "b", algorithm: .defaults(algorithm))
        c.training.promptsPerStep = 2
        c.training.groupSize = 2
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write(c.json(), to: dir + "/config.json")
        var m = ""
        for s in 1...4 {
            m += #"{"step": \#(s), "time/sample_s": 6, "time/score_s": 1, "time/train_s": \#(s), "time/elapsed_s": \#(10 * s), "#
                + #""length/wrong_mean": \#(100 + s), "memory/peak_rss_mb": \#(200 + s), "memory/parameters_mb": 3.4, "#
                + #""memory/gradients_mb": 3.4, "memory/optimizer_mb": 6.8}"# + "\n"
        }
        try AtomicFile.write(m, to: dir + "/metrics.jsonl")
        let e = [(0, 0.1, 35), (2, best, 90), (4, 0.3, 120)].map { #"{"step": \#($0.0), "pass@1": \#($0.1), "mean_length": \#($0.2), "length/wrong_mean": 130}"# }
        try AtomicFile.write(e.joined(separator: "\n") + "\n", to: dir + "/eval.jsonl")
        return dir
    }

    @Test func theTableSaysWhatTheRecordsSay() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-compare-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try RunSummary.load(try makeRun("a", algorithm: .ppo, best: 0.5, in: root))
        let b = try RunSummary.load(try makeRun("b", algorithm: .trpo, best: 0.2, in: root))
        let lines = Comparison.markdown([a, b]).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        // ppo: end 30%, best 50% at step 2, length 120, wrong 130 / mean(101…104) = 102.5 → "102" (%.0f rounds half to even),
        // wall 40 s, sampling 24 s, scoring 4 s, training 10 s, median step 6+1+3 = 10 s, peak 204 MB.
        #expect(lines[2] == "| a | ppo | dapo | 4 × 4 | 30.0% | 50.0% (2) | 120 | 130 / 102 | 0.7 | 0.4 / 0.1 / 0.2 | 10.00 | 204 | 3.4 / 3.4 / 6.8 |",
                "\(lines[2])")
        #expect(lines[3].hasPrefix("| b | trpo | - | 4 × 4 | 30.0% | 30.0% (4) |"), "\(lines[3])")
        // Of equal best evaluations, the latest.
        let c = try RunSummary.load(try makeRun("c", algorithm: .grpo, best: 0.3, in: root))
        #expect(Comparison.markdown([c]).split(separator: "\n")[2].hasPrefix("| c | grpo | dapo | 4 × 4 | 30.0% | 30.0% (4) |"))
        // The held-out result within a wall time: the evaluation after the last step that ended in time.
        #expect(a.passAt(seconds: 25)! == (2, 0.5))
        #expect(a.passAt(seconds: 5)! == (0, 0.1))
        #expect(a.passAt(seconds: 1e9)! == (4, 0.3))
    }

    @Test func theOverlayPutsEveryRunOnTheSampledResponsesAxis() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-compare-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runs = try [("a", AlgorithmName.grpo), ("b", .rloo)].map { try RunSummary.load(try makeRun($0.0, algorithm: $0.1, best: 0.5, in: root)) }
        let html = Comparison.html(runs)
        let chart = try #require(html.components(separatedBy: "data-chart=\"compare-accuracy\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(chart.contains("data-series=\"2\""))
        // Steps 0, 2, 4 of 4 responses each: x = 0, 8, 16 sampled responses over 56…544; pass@1 0.1, 0.5, 0.3.
        for label in ["a", "b"] {
            #expect(chart.contains("<polyline class=\"series\" data-label=\"\(label)\" fill=\"none\""))
            #expect(chart.contains("points=\"56.0,190.4 300.0,112.0 544.0,151.2\""))
        }
        #expect(chart.contains("sampled responses 8: 50.0%"))
        // The page's table is an HTML table with the Markdown table's cells.
        #expect(html.contains("<tr><td>a</td><td>grpo</td><td>dapo</td><td>4 × 4</td>"))
        #expect(html.contains("<tr><td>b</td><td>rloo</td>"))
        #expect(html.components(separatedBy: "<th>").count - 1 == Comparison.markdown(runs).split(separator: "\n")[0].split(separator: "|").count)
        let svg = Comparison.standaloneSVG("compare-length", runs)
        #expect(svg.hasPrefix("<svg xmlns=") && svg.contains(">a</text>") && svg.contains(">b</text>"))
    }
}
