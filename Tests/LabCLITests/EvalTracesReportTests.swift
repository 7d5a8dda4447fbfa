// `lab eval`, `lab traces` and `lab report` as a user runs them, on a tiny checkpoint and run
// made with `lab pretrain` and `lab train`, and their errors on bad input.
import Foundation
import Testing
import Tasks

/// A temporary directory with a small problems file, a tiny base checkpoint and a two-step run.
struct TinyLab {
    let dir = tempPath("tiny")
    var problems: String { dir + "/problems.jsonl" }
    var base: String { dir + "/base" }
    var run: String { dir + "/run" }

    init(withRun: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var lines = try lab(["problems", "generate", "--family", "add", "--difficulty", "1", "--count", "3"]).stdout
        lines += try lab(["problems", "generate", "--family", "mul", "--difficulty", "2", "--count", "3"]).stdout
        try lines.write(toFile: problems, atomically: true, encoding: .utf8)
        let model = #"{"vocabSize": 99, "contextLength": 64, "nLayer": 1, "nHead": 2, "nEmbd": 16, "bias": true}"#
        try #"{"model": \#(model), "documentsPerStep": 4, "microBatchSize": 4, "steps": 2, "warmupSteps": 1, "evalEvery": 2, "evalDocuments": 8}"#
            .write(toFile: dir + "/pretrain.json", atomically: true, encoding: .utf8)
        try check(lab(["pretrain", "--config", dir + "/pretrain.json", "--out", base, "--heldout", problems]))
        guard withRun else { return }
        try #"{"evalProblems": 4}"#.write(toFile: dir + "/grpo.json", atomically: true, encoding: .utf8)
        try check(lab(["train", "--base", base, "--out", run, "--heldout", problems, "--config", dir + "/grpo.json", "--steps", "2",
                       "--prompts-per-step", "2", "--group-size", "2", "--max-length", "16", "--eval-every", "1",
                       "--samples-every", "2", "--save-every", "1", "--beta", "0.1"]))
    }

    func check(_ r: RunResult) throws {
        if r.status != 0 { throw CLIFixtureError(message: r.stderr) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

struct CLIFixtureError: Error { var message: String }

struct EvalCLITests {
    @Test func evalPrintsATableAndWritesTheDocumentedJSON() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let json = t.dir + "/eval.json"
        let r = try lab(["eval", t.base, "--problems", t.problems, "--samples", "3", "--max-length", "12", "--json", json])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("group") && $0.contains("pass@1") && $0.contains("mean@3") && $0.contains("maj@3") })
        #expect(lines.contains { $0.hasPrefix("  mul/2") } && lines.contains { $0.hasPrefix("all ") })
        // The pass@k table closes the output: k = 1, 2 and 3 for each family and all.
        let table = try #require(lines.firstIndex { $0.hasPrefix("pass@k against k") })
        #expect(lines[table + 1].contains("pass@1") && lines[table + 1].contains("pass@2") && lines[table + 1].contains("pass@3"))
        #expect(lines.last?.contains(" all ") == true)
        #expect(r.stderr.contains("problems/s"))
        let results = try #require(try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8)).arrayValue)
        #expect(results.count == 1)
        let v = results[0]
        #expect(v["checkpoint"]?.stringValue == t.base && v["problems"]?.intValue == 6 && v["k"]?.intValue == 3)
        for key in ["pass@1", "format_rate", "mean@k", "pass@k", "maj@k"] {
            #expect(v[key]?.doubleValue.map { (0...1).contains($0) } == true, "\(key)")
        }
        #expect(v["mean_length"]?.doubleValue != nil)
        #expect(v["by_family"]?["add"]?["pass@1"] != nil && v["by_family"]?["mul"]?["maj@k"] != nil)
        // The pass@k curve: k = 1, 2, 3, non-decreasing, pass@1 the sampled accuracy (mean@k).
        let curve = try #require(v["pass@k_curve"])
        let values = try ["1", "2", "3"].map { try #require(curve[$0]?.doubleValue) }
        #expect(values == values.sorted() && abs(values[0] - v["mean@k"]!.doubleValue!) < 1e-12 && abs(values[2] - v["pass@k"]!.doubleValue!) < 1e-12)
        for key in ["check_rate", "failed_check_rate", "retry_rate", "sampled/retry_rate"] {
            #expect(v[key]?.doubleValue.map { (0...1).contains($0) } == true, "\(key)")
        }
    }

    /// `--responses` writes every greedy response in the record of the traces training saves, in
    /// the problems' order and graded as the table counts them; `lab traces FILE` reads it back.
    @Test func evalWritesItsGreedyResponsesForTraces() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let (json, responses) = (t.dir + "/eval.json", t.dir + "/responses.jsonl")
        let r = try lab(["eval", t.base, "--problems", t.problems, "--max-length", "12", "--json", json, "--responses", responses])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: responses, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let problems = try String(contentsOfFile: t.problems, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines.map { $0["problem"]?["id"] } == problems.map { $0["id"] })
        let v = try #require(try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8)).arrayValue?.first)
        #expect(lines.allSatisfy { $0["step"] == v["step"] && $0["response"]?.stringValue != nil && $0["advantage"] == nil })
        let correct = lines.filter { $0["verdict"]?.stringValue == "correct" }.count
        #expect(v["pass@1"]?.doubleValue == Double(correct) / 6)
        let read = try lab(["traces", responses, "-n", "10", "--family", "mul"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 3)
        let mixed = try lab(["traces", responses, "--problems", t.problems])
        #expect(mixed.status != 0 && mixed.stderr.contains("drop --problems"))
        let bad = t.dir + "/bad.jsonl"
        try "{\"response\": \"x\"}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let wrong = try lab(["traces", bad])
        #expect(wrong.status != 0 && wrong.stderr.contains("\(bad):1"))
    }

    @Test func aRunDirectoryGivesARowPerCheckpointInStepOrder() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let r = try lab(["eval", t.base, t.run, "--problems", t.problems, "--max-length", "12"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix(t.base + " ") || $0.hasPrefix(t.run + "/") }
        #expect(rows.count == 3)
        #expect(rows[1].hasPrefix(t.run + "/step_000001") && rows[2].hasPrefix(t.run + "/step_000002"))
    }

    @Test func badInputSaysWhatWasExpected() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        // A missing checkpoint, an empty directory.
        let missing = try lab(["eval", t.dir + "/nothing", "--problems", t.problems])
        #expect(missing.status != 0 && missing.stderr.contains("\(t.dir)/nothing: no such directory") && missing.stderr.contains("hint:"))
        try FileManager.default.createDirectory(atPath: t.dir + "/empty", withIntermediateDirectories: true)
        let empty = try lab(["eval", t.dir + "/empty", "--problems", t.problems])
        #expect(empty.status != 0 && empty.stderr.contains("\(t.dir)/empty: expected a checkpoint directory (with meta.json) or a run directory"))
        // A corrupt checkpoint: weights cut short.
        let corrupt = t.dir + "/corrupt"
        try FileManager.default.copyItem(atPath: t.base, toPath: corrupt)
        let weights = try Data(contentsOf: URL(fileURLWithPath: corrupt + "/model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: URL(fileURLWithPath: corrupt + "/model.safetensors"))
        let bad = try lab(["eval", corrupt, "--problems", t.problems])
        #expect(bad.status != 0 && bad.stderr.contains("\(corrupt)/model.safetensors: truncated") && bad.stderr.contains("hint:"))
        // A problems file with a bad second line.
        try (String(contentsOfFile: t.problems, encoding: .utf8).split(separator: "\n")[0] + "\n{\"id\": 3}\n")
            .write(toFile: t.dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        let line = try lab(["eval", t.base, "--problems", t.dir + "/bad.jsonl"])
        #expect(line.status != 0 && line.stderr.contains("\(t.dir)/bad.jsonl:2: missing field \"family\""))
        #expect(line.stderr.contains("hint: each line is one JSON object with \"id\" (a string), \"family\" (one of add,"))
        // A field of the wrong type says what it got.
        try #"{"id": "a", "family": "mul", "difficulty": "2", "question": "1*2", "answer": "2"}"#
            .write(toFile: t.dir + "/typed.jsonl", atomically: true, encoding: .utf8)
        let typed = try lab(["eval", t.base, "--problems", t.dir + "/typed.jsonl"])
        #expect(typed.status != 0 && typed.stderr.contains("\(t.dir)/typed.jsonl:1: field \"difficulty\" must be an integer, not the string \"2\""))
        #expect(typed.stderr.contains("\"difficulty\" (an integer)"))
        // --temperature without --samples has nothing to set.
        #expect(try lab(["eval", t.base, "--temperature", "0.7"]).stderr.contains("--samples k"))
    }
}

struct ParameterCLITests {
    /// Nonsense values stop before any work, with a message naming the flag and the value.
    @Test(arguments: [
        (["eval", "ckpt", "--samples", "0"], "--samples must be at least 1"),
        (["eval", "ckpt", "--samples", "4", "--temperature", "0"], "--temperature must be positive"),
        (["eval", "ckpt", "--max-length", "0"], "--max-length must be at least 1; got 0"),
        (["traces", "ckpt", "-n", "0"], "--count must be at least 1; got 0"),
        (["traces", "ckpt", "--count", "0"], "--count must be at least 1; got 0"),
        (["traces", "ckpt", "--max-length", "0"], "--max-length must be at least 1"),
        (["report", "run", "--traces=-1"], "--traces must be 0 or more; got -1"),
        (["train", "--group-size", "1"], "--group-size (\"groupSize\" in --config) must be at least 2"),
        (["train", "--eval-every=-2"], "--eval-every (\"evalEvery\" in --config) must be 0 (never) or more; got -2"),
        (["train", "--grad-clip", "0"], "--grad-clip"),
        (["train", "--temperature", "0"], "--temperature (\"temperature\" in --config) must be positive"),
        (["train", "--algo", "ppo", "--critic-lr", "0"], "--critic-lr (\"critic.learningRate\" in --config) must be positive"),
        (["train", "--algo", "trpo", "--beta", "0.1"], "--beta applies to grpo, ppo, reinforce, rloo; this run's algorithm is trpo"),
        (["train", "--algo", "trpo", "--lr", "1e-4"], "--lr sets the policy's learning rate, which TRPO does not have"),
        (["sample", "ckpt", "--question", "1+1", "--temperature", "nan"], "--temperature must be 0 (greedy) or more, and finite; got nan"),
        (["sample", "ckpt", "--question", "1+1", "--max-length", "0"], "--max-length must be at least 1; got 0"),
        (["sample", "ckpt", "--question", "1+1", "-n", "0"], "--samples must be at least 1; got 0"),
        (["sample", "ckpt", "--question", "1+1", "--samples", "0"], "--samples must be at least 1; got 0"),
        (["traces", "ckpt", "--top-p", "2"], "--top-p must be in (0, 1]; got 2"),
    ])
    func nonsenseIsRejectedNamingTheFlag(args: [String], message: String) throws {
        let problems = tempPath("problems.jsonl")
        defer { try? FileManager.default.removeItem(atPath: problems) }
        try lab(["problems", "generate", "--family", "add", "--difficulty", "1", "--count", "2"]).stdout
            .write(toFile: problems, atomically: true, encoding: .utf8)
        let extra = args[0] == "train" ? ["--heldout", problems, "--out", tempPath("never")] : []
        let r = try lab(args + extra)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}

struct TracesCLITests {
    @Test func tracesArePlainWhenPipedAndHonourTheFilters() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let r = try lab(["traces", t.base, "--problems", t.problems, "-n", "3", "--family", "mul", "--only", "missing", "--max-length", "12"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}["))
        let headings = r.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(headings.count == 3 && headings.allSatisfy { $0.contains("· mul, difficulty 2") })
        let verdicts = r.stdout.split(separator: "\n").filter { $0.contains("verdict  ") }
        #expect(verdicts.count == 3 && verdicts.allSatisfy { $0.contains("verdict  missing") })
        let again = try lab(["traces", t.base, "--problems", t.problems, "-n", "3", "--family", "mul", "--only", "missing", "--max-length", "12"])
        #expect(again.stdout == r.stdout)
        let question = try lab(["traces", t.base, "--question", "12*34", "-n", "2", "--max-length", "12"])
        #expect(question.status == 0 && question.stdout.components(separatedBy: "question  12*34  (answer 408)").count - 1 == 2)
    }

    @Test func compareAnswersTheSameProblemsWithBoth() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let last = t.run + "/step_000002"
        let r = try lab(["traces", "--compare", t.base, last, "--problems", t.problems, "-n", "2", "--max-length", "12"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "── A: \(t.base)").count - 1 == 2)
        #expect(r.stdout.components(separatedBy: "── B: \(last)").count - 1 == 2)
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("verdict  ") }.count == 4)
        // It says what the samples depend on (issue 14, the newcomer's path).
        #expect(r.stdout.hasPrefix("\(t.base) against \(last): sampled at temperature 1.0, top-p 1.0, seed "), "\(r.stdout.prefix(200))")
    }

    @Test func savedTracesOfAStepAndTheirErrors() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let saved = try lab(["traces", t.run, "--step", "2", "-n", "10"])
        #expect(saved.status == 0, "\(saved.stderr)")
        // Two prompts × two responses were saved at step 2.
        #expect(saved.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 4)
        #expect(saved.stdout.contains("advantage"))
        let noStep = try lab(["traces", t.run, "--step", "3"])
        #expect(noStep.status != 0 && noStep.stderr.contains("\(t.run)/samples/step_000003.jsonl: no traces were saved at step 3")
                && noStep.stderr.contains("steps with traces: 1, 2"))
        let runAsCheckpoint = try lab(["traces", t.run])
        #expect(runAsCheckpoint.status != 0 && runAsCheckpoint.stderr.contains("--step N"))
        let missing = try lab(["traces", t.dir + "/nothing", "--problems", t.problems])
        #expect(missing.status != 0 && missing.stderr.contains("\(t.dir)/nothing/meta.json"))
    }
}

struct ReportCLITests {
    @Test func reportWritesOneSelfContainedFile() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let r = try lab(["report", t.run])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: t.run + "/report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 10)
        #expect(html.contains("<pre class=\"trace\">"))
        let out = t.dir + "/elsewhere.html"
        #expect(try lab(["report", t.run, "--out", out]).status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == html)
    }

    /// scripts/check-report's chart check (the part that reads the browser's DOM) passes a full
    /// report and fails one with a chart without data or a series it does not draw.
    @Test func checkReportFailsChartsWithoutData() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check-report").path
        func check(_ html: String) throws -> RunResult {
            let file = t.dir + "/dom-\(UUID().uuidString).html"
            try html.write(toFile: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [script, "--check-dom", file]
            let out = Pipe(), err = Pipe()
            (p.standardOutput, p.standardError) = (out, err)
            try p.run()
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        }
        #expect(try lab(["report", t.run]).status == 0)
        let html = try String(contentsOfFile: t.run + "/report.html", encoding: .utf8)
        let full = try check(html)
        #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
        // The KL chart as a run with β = 0 draws it: no values.
        var noKL = html
        let kl = try #require(html.range(of: "<svg class=\"chart\" data-chart=\"kl\""))
        let end = try #require(html.range(of: "</svg>", range: kl.upperBound..<html.endIndex))
        noKL.replaceSubrange(kl.lowerBound..<end.upperBound,
                             with: "<svg class=\"chart\" data-chart=\"kl\" data-series=\"0\"><text class=\"nodata\">no values</text></svg>")
        let empty = try check(noKL)
        #expect(empty.status != 0 && empty.stderr.contains("chart kl has no data"), "\(empty.stderr)")
        // A series counted in data-series but drawn neither as a line nor as points.
        let entropy = try #require(html.range(of: "data-chart=\"entropy\""))
        let entropyEnd = try #require(html.range(of: "</svg>", range: entropy.upperBound..<html.endIndex))
        var undrawn = html
        undrawn.replaceSubrange(entropy.upperBound..<entropyEnd.lowerBound,
                                with: String(html[entropy.upperBound..<entropyEnd.lowerBound])
                                    .replacingOccurrences(of: "<polyline", with: "<line").replacingOccurrences(of: "<circle", with: "<rect"))
        let missing = try check(undrawn)
        #expect(missing.status != 0 && missing.stderr.contains("chart entropy has 1 series with data but draws 0"), "\(missing.stderr)")
        // A chart that is not there at all.
        let gone = try check(html.replacingOccurrences(of: "<svg class=\"chart\" data-chart=\"entropy\"", with: "<svg data-chart=\"entropy\""))
        #expect(gone.status != 0 && gone.stderr.contains("9 charts rendered, expected 10"))
    }

    @Test func anEmptyRunDirectoryIsAnError() throws {
        let dir = tempPath("empty-run")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try lab(["report", dir])
        #expect(r.status != 0 && r.stderr.contains("\(dir): expected a run directory written by lab train") && r.stderr.contains("hint:"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))
    }
}

struct AlgorithmsCLITests {
    /// PPO and TRPO through the CLI on the tiny base: their checkpoints evaluate and trace like GRPO's,
    /// resume refuses flags it cannot honour and records a new step count, and compare and report read
    /// both runs.
    @Test func ppoAndTrpoRunsEvaluateResumeAndCompare() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let common = ["--base", t.base, "--heldout", t.problems, "--steps", "2", "--prompts-per-step", "2", "--group-size", "2",
                      "--max-length", "16", "--eval-every", "1", "--samples-every", "1", "--save-every", "1"]
        let ppo = t.dir + "/ppo", trpo = t.dir + "/trpo"
        let r1 = try lab(["train", "--algo", "ppo", "--out", ppo, "--critic-lr", "3e-4"] + common)
        #expect(r1.status == 0 && r1.stdout.contains("with ppo"), "\(r1.stderr)")
        let r2 = try lab(["train", "--algo", "trpo", "--out", trpo, "--delta", "0.02"] + common)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(FileManager.default.fileExists(atPath: ppo + "/step_000002/critic.safetensors"))
        let config = try JSONValue.parse(String(contentsOfFile: ppo + "/config.json", encoding: .utf8))
        #expect(config["algorithm"]?.stringValue == "ppo" && config["ppo"]?["critic"]?["learningRate"]?.doubleValue == 3e-4)
        // Eval and traces use the policy of a PPO checkpoint.
        let e = try lab(["eval", ppo + "/step_000002", "--problems", t.problems, "--max-length", "12"])
        #expect(e.status == 0 && e.stdout.contains("pass@1"), "\(e.stderr)")
        #expect(try lab(["traces", ppo, "--step", "2"]).status == 0)
        // A flag of another algorithm, and a resume with flags it cannot honour.
        let wrong = try lab(["train", "--delta", "0.02", "--out", t.dir + "/never"] + common)
        #expect(wrong.status != 0 && wrong.stderr.contains("--delta applies to trpo; this run's algorithm is grpo"), "\(wrong.stderr)")
        let refused = try lab(["train", "--resume", ppo, "--lr", "1e-3", "--eval-every", "5"])
        #expect(refused.status != 0 && refused.stderr.contains("cannot honour --lr, --eval-every"), "\(refused.stderr)")
        let otherHeldout = try lab(["train", "--resume", ppo, "--steps", "3"])
        #expect(otherHeldout.status != 0 && otherHeldout.stderr.contains("held-out problems differ"), "\(otherHeldout.stderr)")
        let resumed = try lab(["train", "--resume", ppo, "--steps", "3", "--heldout", t.problems])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try JSONValue.parse(String(contentsOfFile: ppo + "/config.json", encoding: .utf8))
        #expect(after["training"]?["steps"]?.intValue == 3)
        #expect(try String(contentsOfFile: ppo + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").count == 3)
        // A run's own config.json is accepted back by --config.
        let again = try lab(["train", "--config", trpo + "/config.json", "--out", t.dir + "/again", "--heldout", t.problems])
        #expect(again.status == 0 && again.stdout.contains("with trpo"), "\(again.stderr)")
        #expect(try String(contentsOfFile: t.dir + "/again/config.json", encoding: .utf8) == String(contentsOfFile: trpo + "/config.json", encoding: .utf8))
        // The table and the overlay.
        let c = try lab(["compare", ppo, trpo])
        #expect(c.status == 0 && c.stdout.contains("| ppo | ppo |") && c.stdout.contains("| trpo | trpo |"), "\(c.stderr)")
        let page = t.dir + "/compare.html"
        let r = try lab(["report", ppo, trpo, "--out", page, "--svg", t.dir + "/curves"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("data-chart=\"compare-accuracy\" data-series=\"2\""))
        #expect(FileManager.default.fileExists(atPath: t.dir + "/curves/compare-length.svg"))
    }
}

struct BenchCLITests {
    /// One algorithm's step in its own process: the JSON line has the documented keys.
    @Test func benchPrintsOneJSONLinePerAlgorithm() throws {
        let r = try lab(["bench", "--parts", "algo-rloo", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try JSONValue.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(line["config"]?.stringValue == "algo-rloo")
        for key in ["step_s", "update_s", "completions_per_s", "peak_rss_mb"] { #expect((line[key]?.doubleValue ?? 0) > 0, "\(key)") }
        // The tiny model: 0.8 M parameters of 4 bytes, the same again for gradients, twice for AdamW.
        let p = line["parameter_bytes"]?.intValue ?? 0
        #expect(p > 3_000_000 && line["gradient_bytes"]?.intValue == p && line["optimizer_bytes"]?.intValue == 2 * p)
        #expect(try lab(["bench", "--parts", "algo-sac"]).stderr.contains("unknown part algo-sac"))
    }
}

struct SignalTests {
    /// SIGTERM, what `kill` and job schedulers send, stops a run as Ctrl-C does: the step in
    /// progress finishes, a checkpoint is saved, and the exit is clean.
    @Test func sigtermSavesACheckpointAndExitsCleanly() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let p = Process()
        p.executableURL = labBinary
        p.arguments = ["train", "--base", t.base, "--out", t.run, "--heldout", t.problems, "--steps", "100000",
                       "--prompts-per-step", "2", "--group-size", "2", "--max-length", "16", "--eval-every", "0",
                       "--samples-every", "0", "--save-every", "0"]
        // Output to a file, not a pipe: nobody reads it while the run goes, and a full pipe would
        // block the run.
        let log = t.dir + "/train.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        (p.standardOutput, p.standardError) = (handle, handle)
        try p.run()
        // Wait for a few steps to be logged, then send SIGTERM.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let lines = (try? String(contentsOfFile: t.run + "/metrics.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 3 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(p.terminationReason == .exit && p.terminationStatus == 0, "\(text)")
        let stopped = try #require(text.split(separator: "\n").first { $0.hasPrefix("stopped at step ") })
        let step = try #require(Int(stopped.dropFirst("stopped at step ".count).prefix { $0.isNumber }))
        #expect(step >= 3 && FileManager.default.fileExists(atPath: t.run + String(format: "/step_%06d/model.safetensors", step)))
    }
}
