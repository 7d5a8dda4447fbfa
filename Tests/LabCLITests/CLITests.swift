// The built `lab` binary, run as a user runs it: output, determinism and error messages.
import Foundation
import Testing
import Tasks

/// The `lab` executable built beside this test bundle.
let labBinary: URL = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("lab")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/release/lab")
}()

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func lab(_ args: [String], stdin: String? = nil, binary: String? = nil, in directory: String? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = binary.map { URL(fileURLWithPath: $0) } ?? labBinary
    p.arguments = args
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inp.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func tempPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("lab-cli-\(UUID().uuidString)-\(name)").path
}

struct CLITests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: labBinary.path), "no lab binary at \(labBinary.path)")
    }

    @Test func generateIsByteIdenticalForTheSameArguments() throws {
        let args = ["problems", "generate", "--family", "mul", "--difficulty", "5", "--count", "100", "--seed", "7"]
        let a = try lab(args), b = try lab(args)
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        let lines = a.stdout.split(separator: "\n")
        #expect(lines.count == 100)
        #expect(lines[0].hasPrefix(#"{"id": "mul-3x2-"#))
        let other = try lab(["problems", "generate", "--family", "mul", "--difficulty", "5", "--count", "100", "--seed", "8"])
        #expect(other.stdout != a.stdout)
        let path = tempPath("mul.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try lab(args + ["--out", path]).status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == a.stdout)
    }

    @Test func generateRejectsADifficultyOutsideTheFamily() throws {
        let r = try lab(["problems", "generate", "--family", "mul", "--difficulty", "211"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--difficulty 211") && r.stderr.contains("1...210"))
    }

    @Test func statsSummarisesAndNamesABadLine() throws {
        let path = tempPath("p.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = try lab(["problems", "generate", "--family", "add", "--difficulty", "2", "--count", "3"]).stdout
        try (good + "{not json}\n").write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try lab(["problems", "stats", path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("\(path):4:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("hint:"))
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        let ok = try lab(["problems", "stats", path])
        #expect(ok.status == 0 && ok.stdout.contains("3 problems") && ok.stdout.contains("add"))
    }

    /// `lab problems corpus` writes the documents pretraining reads, in its order: the corpus
    /// stream of the configuration's seed and mix, held-out problems excluded.
    @Test func corpusWritesWhatPretrainingReads() throws {
        let config = tempPath("search.json")
        defer { try? FileManager.default.removeItem(atPath: config) }
        try #"{"seed": 4, "mix": {"countdownLedger": false}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let r = try lab(["problems", "corpus", "--documents", "300", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 300)
        var mix = CorpusMix()
        mix.countdownLedger = false
        var stream = CorpusStream(seed: 4, mix: mix, excluding: HeldoutSet().problems)
        for line in lines {
            let v = try JSONValue.parse(line), d = stream.next()
            #expect(v["text"]?.stringValue == d.text)
            #expect(v["family"]?.stringValue == d.problem?.family.rawValue)
            #expect(v["style"]?.stringValue == d.style?.rawValue)
            #expect(v["wrong"]?.serialized == "\(d.isWrong)" && v["repair"]?.serialized == "\(d.isRepair)")
        }
        // The configuration's mix is the one written: countdown searches without the ledger's
        // verdict after each pair value; a bad --documents is refused.
        #expect(lines.contains { $0.contains(#""family": "countdown""#) && $0.contains(" from ") })
        #expect(!lines.contains { $0.contains(#""family": "countdown""#) && $0.contains(" no ") && $0.contains(" yes") })
        let bad = try lab(["problems", "corpus", "--documents", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("--documents"))
    }

    /// `generate --responses full` writes countdown as the default corpus does (the shipped
    /// base's search, in columns, with its ledger); each option turns off, and a contradiction
    /// or an option without `--responses full` is refused by name.
    @Test func generateWritesCountdownAsTheCorpusDoes() throws {
        let args = ["problems", "generate", "--family", "countdown", "--difficulty", "3", "--count", "20", "--seed", "11", "--responses", "full"]
        func responses(_ r: RunResult) throws -> [String] {
            try r.stdout.split(separator: "\n").map { try #require(JSONValue.parse(String($0))["response"]?.stringValue) }
        }
        let problems = Family.countdown.problems(difficulty: 3, count: 20, seed: 11)
        let byDefault = try lab(args), tries = try lab(args + ["--no-countdown-search"])
        let noLedger = try lab(args + ["--no-countdown-ledger"])
        #expect(byDefault.status == 0 && tries.status == 0 && noLedger.status == 0, "\(byDefault.stderr)\(tries.stderr)\(noLedger.stderr)")
        #expect(try responses(byDefault) == problems.map { try $0.solution(style: .full, countdown: CorpusMix().countdown) })
        #expect(try responses(tries) == problems.map { try $0.solution(style: .full, countdown: CountdownStyle()) })
        #expect(try responses(noLedger) == problems.map { try $0.solution(style: .full, countdown: CountdownStyle(search: true, columns: true)) })
        #expect(try responses(byDefault).contains { $0.contains(" no ") && $0.contains(" yes") })
        let contradiction = try lab(args + ["--no-countdown-search", "--countdown-ledger"])
        #expect(contradiction.status != 0 && contradiction.stderr.contains("--countdown-ledger needs the search"), "\(contradiction.stderr)")
        let noResponses = try lab(Array(args.dropLast(2)) + ["--no-countdown-search"])
        #expect(noResponses.status != 0 && noResponses.stderr.contains("countdown-search needs --responses full"), "\(noResponses.stderr)")
    }
    /// `generate --repair` writes slips that are repaired to a right answer, `--slip` the same
    /// slips answered anyway: `lab verify` grades the first correct and the second wrong, and the
    /// two flags together are refused.
    @Test func generatedSlipsAreWrongAndRepairsRight() throws {
        let args = ["problems", "generate", "--family", "sub", "--difficulty", "4", "--count", "20", "--seed", "5", "--responses", "full"]
        for (flag, verdict) in [("--repair", "correct"), ("--slip", "wrong")] {
            let generated = try lab(args + [flag])
            #expect(generated.status == 0, "\(generated.stderr)")
            let graded = try lab(["verify"], stdin: generated.stdout)
            let verdicts = try graded.stdout.split(separator: "\n").map { try #require(JSONValue.parse(String($0))["verdict"]?.stringValue) }
            #expect(verdicts == Array(repeating: verdict, count: 20), "\(flag): \(graded.stdout)")
            // Every --repair solution is a repair (a slip, `wait, redo`, the work again).
            #expect(generated.stdout.components(separatedBy: Reasoning.retry).count - 1 == (flag == "--repair" ? 20 : 0))
        }
        let both = try lab(args + ["--slip", "--repair"])
        #expect(both.status != 0 && both.stderr.contains("--slip and --repair"), "\(both.stderr)")
    }

    /// `--compared-checks` writes each check as the corpus option comparedChecks does, with
    /// `--slip` too, and needs full responses.
    @Test func generatedComparedChecksNameTheNumberTheyMustReach() throws {
        let args = ["problems", "generate", "--family", "add", "--difficulty", "3", "--count", "10", "--seed", "5", "--responses", "full", "--compared-checks"]
        let problems = Family.add.problems(difficulty: 3, count: 10, seed: 5)
        for slip in [false, true] {
            let generated = try lab(args + (slip ? ["--slip"] : []))
            #expect(generated.status == 0, "\(generated.stderr)")
            let responses = try generated.stdout.split(separator: "\n").map { try #require(JSONValue.parse(String($0))["response"]?.stringValue) }
            let expected = try problems.map { p in
                try #require(slip ? p.slipSolution(step: Int(p.id.suffix(6))!, up: true, checks: .compared) : p.solution(style: .full, checks: .compared))
            }
            #expect(responses == expected)
            #expect(responses.allSatisfy { $0.contains(" \(Reasoning.versus) ") && Reasoning.marks(in: $0).hasFailedCheck == slip }, "\(responses)")
        }
        let brief = try lab(["problems", "generate", "--family", "add", "--difficulty", "3", "--responses", "brief", "--compared-checks"])
        #expect(brief.status != 0 && brief.stderr.contains("--compared-checks needs --responses full"), "\(brief.stderr)")
    }

    @Test func verifyGradesWorkedSolutionsFromStdin() throws {
        let input = try lab(["problems", "generate", "--family", "frac", "--difficulty", "2", "--count", "20", "--responses", "full"]).stdout
        let r = try lab(["verify"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 20)
        for line in lines {
            let v = try JSONValue.parse(line)
            #expect(v["verdict"]?.stringValue == "correct")
            #expect(v["reward"]?.doubleValue == 1.1)
            #expect(v["components"]?["accuracy"]?.doubleValue == 1 && v["components"]?["format"]?.doubleValue == 0.1)
            let checked = v["steps"]?["checked"]?.intValue ?? 0
            #expect(checked > 0 && v["steps"]?["true"]?.intValue == checked)
        }
    }

    @Test func verifyReportsEachVerdict() throws {
        let p = #"{"id": "m", "family": "mul", "difficulty": 1, "question": "3*4", "answer": "12"}"#
        let input = [
            #"{"problem": \#(p), "response": "<think>3*4=12</think><answer>12</answer>"}"#,
            #"{"problem": \#(p), "response": "<think>3*4=13</think><answer>13</answer>"}"#,
            #"{"problem": \#(p), "response": "<answer>3*4</answer>"}"#,
            #"{"problem": \#(p), "response": "12"}"#,
        ].joined(separator: "\n")
        let r = try lab(["verify", "--step-weight", "0.5"], stdin: input)
        let verdicts = try r.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(verdicts.map { $0["verdict"]?.stringValue } == ["correct", "wrong", "malformed", "missing"])
        #expect(verdicts[1]["steps"]?["checked"]?.intValue == 1 && verdicts[1]["steps"]?["true"]?.intValue == 0)
        #expect(verdicts[0]["components"]?["steps"]?.doubleValue == 0.5)
        #expect(verdicts[0]["reward"]?.doubleValue == 1.6)
    }

    /// A weight that is not a finite number is refused by name, before any line is read (it would
    /// write "reward": null).
    @Test(arguments: ["--format-weight", "--accuracy-weight", "--step-weight"])
    func verifyRefusesNonFiniteWeights(flag: String) throws {
        for value in ["nan", "inf"] {
            let r = try lab(["verify", flag, value], stdin: "")
            #expect(r.status != 0 && r.stderr.contains("\(flag) must be a finite number"), "\(flag) \(value): \(r.stderr)")
        }
    }

    /// Item 13 of issue 14: a bad line (a lone surrogate escape, bytes that are not UTF-8, a bad
    /// problem) gets an error record of its own with its line, and every other line is graded;
    /// records carry the input's id.
    @Test func verifyGradesEveryLineItCanRead() throws {
        let p = #"{"id": "m", "family": "mul", "difficulty": 1, "question": "3*4", "answer": "12"}"#
        var input = Data((#"{"id": "first", "problem": \#(p), "response": "<think>3*4=12</think><answer>12</answer>"}"# + "\n").utf8)
        input += Data((#"{"problem": \#(p), "response": "\ud800"}"# + "\n").utf8)
        input += Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
        input += Data((#"{"problem": {"id": "q", "family": "add"}, "response": "x"}"# + "\n").utf8)
        input += Data((#"{"problem": \#(p), "response": "<answer>13</answer>"}"# + "\n").utf8)
        let file = tempPath("verify.jsonl")
        try input.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try lab(["verify", file])
        #expect(r.status == 1, "\(r.stderr)")
        let records = try r.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(records.map { $0["verdict"]?.stringValue } == ["correct", "error", "error", "error", "wrong"])
        #expect(records.map { $0["id"]?.stringValue } == ["first", nil, nil, "q", "m"])
        #expect(records[1...3].map { $0["line"]?.intValue } == [2, 3, 4])
        #expect(records[2]["reason"]?.stringValue == "is not UTF-8 text")
        #expect(r.stderr.contains("\(file):2: not valid JSON") && r.stderr.contains("\(file):3: is not UTF-8 text")
                && r.stderr.contains("\(file):4: missing field") && r.stderr.contains("3 of 5 lines could not be graded"), "\(r.stderr)")
    }

    @Test func verifyNamesTheBadLine() throws {
        let r = try lab(["verify"], stdin: #"{"problem": {"id": "m"}, "response": "x"}"# + "\n")
        #expect(r.status != 0)
        #expect(r.stderr.contains("-:1:") && r.stderr.contains("missing field"))
    }
}
