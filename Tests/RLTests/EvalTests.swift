// lab eval's maths and records: the unbiased pass@k, majority voting over the verifier's answer keys, the
// per-difficulty breakdown and the JSON keys.
import Foundation
import Testing
import GPT
import Tasks
@testable import RL

/// A scored rollout of `response` to `problem`, as the policy would return it.
func rollout(_ problem: Problem, _ response: String) -> Rollout {
    Rollout(problem: problem, promptTokens: [], responseTokens: [], logProbs: [], response: response, stopReason: .eos,
            scored: Scorer().score(response, for: problem))
}

func answer(_ a: String) -> String { "<think></think><answer>\(a)</answer>" }

let mulProblem = Problem(id: "mul-1", family: .mul, difficulty: 2, question: "12*3", answer: "36")
let divProblem = Problem(id: "div-1", family: .div, difficulty: 1, question: "6/8", answer: "3/4")
let linearProblem = Problem(id: "lin-1", family: .linear, difficulty: 1, question: "2x+1=11", answer: "5")
let countdownProblem = Problem(id: "cd-1", family: .countdown, difficulty: 3, question: "make 21 from 1,6,3", answer: "(1+6)*3",
                               numbers: [1, 6, 3], target: 21)

/// C(n, k) as a Double, directly (fine for the small n of the table).
func binomial(_ n: Int, _ k: Int) -> Double {
    k < 0 || k > n ? 0 : (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
}

struct PassAtKTests {
    @Test(arguments: [
        (4, 0, 1), (4, 4, 4), (4, 1, 1), (4, 1, 2), (5, 2, 2), (10, 3, 4), (8, 7, 1), (16, 1, 16), (16, 15, 2), (20, 5, 10),
    ])
    func productFormMatchesTheBinomialDefinition(n: Int, c: Int, k: Int) {
        let direct = 1 - binomial(n - c, k) / binomial(n, k)
        #expect(abs(PassAtK.estimate(n: n, c: c, k: k) - direct) < 1e-12, "n \(n) c \(c) k \(k)")
    }

    @Test func passAtOneIsTheFractionCorrect() {
        for n in 1...12 { for c in 0...n { #expect(abs(PassAtK.estimate(n: n, c: c, k: 1) - Double(c) / Double(n)) < 1e-12) } }
    }

    @Test func largeNStaysFiniteWhereBinomialsOverflow() {
        // C(2000, 1000) overflows a Double; the product form does not need it.
        #expect(binomial(2000, 1000).isInfinite)
        let p = PassAtK.estimate(n: 2000, c: 1, k: 1000)
        #expect(abs(p - 0.5) < 1e-12)
        let q = PassAtK.estimate(n: 2000, c: 3, k: 1000)
        #expect(q > p && q < 1 && q.isFinite)
    }
}

struct MajorityTests {
    @Test(arguments: [
        // (problem, answers that must share a key)
        (divProblem, ["3/4", "6/8", "0.75", " 3/4 "]),
        (linearProblem, ["5", "x=5", "5/1", "005"]),
        (countdownProblem, ["(1+6)*3", "3*(6+1)", "(6+1)*3"]),
        (mulProblem, ["35", "035", "70/2"]),
    ])
    func equalAnswersShareAKey(problem: Problem, answers: [String]) {
        let keys = answers.map { Scorer().score(answer($0), for: problem).answerKey }
        #expect(keys[0] != nil)
        #expect(Set(keys).count == 1, "\(keys)")
    }

    @Test(arguments: [
        (divProblem, "3/4", "3/5"),
        (countdownProblem, "(1+6)*3", "(1+6)+3"),      // same numbers, other value
        (countdownProblem, "(1+6)*3", "7*3"),          // same value, other numbers
    ])
    func differentAnswersHaveDifferentKeys(problem: Problem, a: String, b: String) {
        let ka = Scorer().score(answer(a), for: problem).answerKey
        let kb = Scorer().score(answer(b), for: problem).answerKey
        #expect(ka != nil && kb != nil && ka != kb)
    }

    @Test(arguments: ["<think></think>36", answer("thirty-six"), answer("")])
    func missingAndMalformedAnswersDoNotVote(response: String) {
        #expect(Scorer().score(response, for: mulProblem).answerKey == nil)
    }

    @Test(arguments: [
        // (answers in sample order, majority answer's correctness; nil: no vote)
        (["36", "35", "35"], false as Bool?),          // the majority outvotes a correct answer
        (["35", "36", "036", "x"], true),              // 36 and 036 are one answer
        (["35", "36"], false),                         // a tie goes to the answer given first
        (["36", "35"], true),
        (["35", "36", "36", "35"], false),
        (["x", "", "36"], true),                       // malformed answers do not vote
        (["x", ""], nil),
    ])
    func majorityVote(answers: [String], correct: Bool?) {
        let group = answers.map { rollout(mulProblem, answer($0)) }
        #expect(AnswerKey.majority(group)?.correct == correct)
    }
}

struct EvalSummaryTests {
    /// Two mul problems (difficulties 2 and 3) and a div problem, four responses each.
    var groups: [[Rollout]] {
        let mul3 = Problem(id: "mul-2", family: .mul, difficulty: 3, question: "123*4", answer: "492")
        return [
            ["36", "35", "35", "36"].map { rollout(mulProblem, answer($0)) },   // 2 correct, majority a tie → 36 first
            ["1", "2", "2", "3"].map { rollout(mul3, answer($0)) },             // none correct
            ["0.75", "6/8", "1", "x"].map { rollout(divProblem, answer($0)) },  // 2 correct, majority 3/4
        ]
    }

    @Test func meanPassAndMajorityAtK() {
        let e = Evaluation(groups)
        #expect(e.overall.problems == 3 && e.overall.count == 12)
        #expect(e.overall.accuracy == 4.0 / 12)                                  // mean@4
        #expect(abs(e.overall.passAtK! - 2.0 / 3) < 1e-12)                       // n = k = 4: solved by any sample
        #expect(abs(e.overall.majorityAccuracy! - 2.0 / 3) < 1e-12)
        #expect(e.byFamily[.mul]?.problems == 2 && e.byFamily[.mul]?.majorityAccuracy == 0.5)
        #expect(e.byDifficulty[.mul]?[2]?.passAtK == 1 && e.byDifficulty[.mul]?[3]?.passAtK == 0)
        #expect(e.byDifficulty[.div]?[1]?.count == 4)
        #expect(e.rows.map { "\($0.family?.rawValue ?? "all")/\($0.difficulty ?? 0)" } == ["mul/0", "mul/2", "mul/3", "div/0", "div/1", "all/0"])
    }

    /// The pass@k curve over k = 1, 2, 4 of the three groups (2, 0 and 2 correct of 4), each point
    /// the mean over problems of 1 − C(n−c, k)/C(n, k), and the curve's ends mean@k and pass@k.
    @Test func passCurveIsTheBinomialDefinitionAtEachK() {
        let e = Evaluation(groups)
        #expect(PassAtK.curveKs(upTo: 4) == [1, 2, 4] && PassAtK.curveKs(upTo: 64) == [1, 2, 4, 8, 16, 32, 64]
                && PassAtK.curveKs(upTo: 6) == [1, 2, 4, 6] && PassAtK.curveKs(upTo: 1) == [1])
        let curve = e.overall.passCurve
        #expect(curve.map(\.k) == [1, 2, 4])
        for (k, value) in curve {
            let expected = [2, 0, 2].map { c in 1 - binomial(4 - c, k) / binomial(4, k) }.reduce(0, +) / 3
            #expect(abs(value - expected) < 1e-12, "k \(k)")
        }
        #expect(abs(curve[0].value - e.overall.accuracy!) < 1e-12 && abs(curve[2].value - e.overall.passAtK!) < 1e-12)
    }

    /// Retries are counted from the scorer's marks: a failed check then `wait, redo`.
    @Test func retriesAreCountedWithTheirAccuracy() {
        let retried = "<think>so 37\ncheck 37-1=36 wrong\nwait, redo\nso 36\ncheck 36-1=35 ok</think><answer>36</answer>"
        let failed = "<think>so 37\ncheck 37-1=36 wrong</think><answer>37</answer>"
        let plain = "<think>so 36\ncheck 36-1=35 ok</think><answer>36</answer>"
        var s = EvalSummary()
        for text in [retried, failed, plain, answer("36")] { s.add(rollout(mulProblem, text)) }
        #expect(s.checkRate == 0.75 && s.failedCheckRate == 0.5 && s.retryRate == 0.25)
        #expect(s.retriedAccuracy == 1 && abs(s.notRetriedAccuracy! - 2.0 / 3) < 1e-12)
    }

    @Test func withOneResponseEachTheEstimatesAreTheAccuracy() {
        let e = Evaluation(groups.map { [$0[0]] })
        #expect(e.overall.passAtK == e.overall.accuracy && e.overall.majorityAccuracy == e.overall.accuracy)
    }

    @Test func breakdownTableHasARowPerFamilyAndDifficulty() {
        let e = Evaluation(groups)
        let lines = EvalTables.breakdown(greedy: e, sampled: e, k: 4).split(separator: "\n")
        #expect(lines[0].contains("mean@4") && lines[0].contains("pass@4") && lines[0].contains("maj@4"))
        #expect(lines.count == 7)
        #expect(lines.contains { $0.hasPrefix("  mul/3") } && lines.last!.hasPrefix("all"))
        #expect(!EvalTables.breakdown(greedy: e, sampled: nil, k: 1).contains("mean@"))
    }
}

struct CheckpointEvaluationTests {
    /// A tiny random model at step 7, saved and loaded as `lab eval` loads it.
    func tinyCheckpoint() throws -> LoadedCheckpoint {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-eval-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 64, nLayer: 1, nHead: 2, nEmbd: 16), seed: 3)
        try Checkpoint.save(model, meta: CheckpointMeta(config: model.config, vocabulary: tokenizer.vocabulary, step: 7), to: dir)
        return try Checkpoint.load(from: dir)
    }

    /// A tiny model overfitted (cross-entropy on the responses) to answer each question in a set
    /// way, saved and loaded as `lab eval` loads it: its greedy answers mix every verdict and
    /// both formats, so the metrics below are not all 0 or 1.
    func trainedCheckpoint(_ documents: [(question: String, response: String)]) throws -> LoadedCheckpoint {
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 32), seed: 11)
        let rows = try documents.map { d in
            (prompt: [tokenizer.bosID] + (try tokenizer.encode(Template.prompt(d.question))),
             response: (try tokenizer.encode(d.response)) + [tokenizer.eosID])
        }
        let T = rows.map { $0.prompt.count + $0.response.count - 1 }.max()!
        var x = [Int32](repeating: Int32(tokenizer.padID), count: rows.count * T), y = x
        var mask = [Float](repeating: 0, count: rows.count * T)
        for (b, r) in rows.enumerated() {
            let seq = r.prompt + r.response
            for t in 0..<(seq.count - 1) {
                x[b * T + t] = Int32(seq[t])
                y[b * T + t] = Int32(seq[t + 1])
                if t + 1 >= r.prompt.count { mask[b * T + t] = 1 }     // learn the responses only
            }
        }
        let adam = AdamW(layout: model.layout, parameters: AdamWParameters(weightDecay: 0))
        for _ in 0..<400 {
            model.trainingStep(tokens: x, targets: y, B: rows.count, T: T, mask: mask)
            adam.update(model, learningRate: 1e-2)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-eval-trained-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Checkpoint.save(model, meta: CheckpointMeta(config: model.config, vocabulary: tokenizer.vocabulary, step: 3), to: dir)
        return try Checkpoint.load(from: dir)
    }

    /// The reported metrics equal the ones computed here from each response on its own (its text,
    /// the verifier's verdict, format check and think block), by the definitions in the README.
    @Test func metricsAreThoseOfTheIndividualResponses() throws {
        let problems = [
            Problem(id: "add-a", family: .add, difficulty: 1, question: "1+2", answer: "3"),
            Problem(id: "add-b", family: .add, difficulty: 1, question: "2+2", answer: "4"),
            Problem(id: "mul-a", family: .mul, difficulty: 1, question: "3*4", answer: "12"),
            Problem(id: "add-c", family: .add, difficulty: 2, question: "15+5", answer: "20"),
            Problem(id: "div-a", family: .div, difficulty: 1, question: "6/8", answer: "3/4"),
        ]
        let loaded = try trainedCheckpoint([
            ("1+2", "<think>1+2=3</think><answer>3</answer>"),     // correct, formatted, one true claim
            ("2+2", "<think>2+2=5</think><answer>5</answer>"),     // wrong, formatted, one false claim
            ("3*4", "<answer>12</answer>"),                        // correct, no think block
            ("15+5", "20"),                                        // missing
            ("6/8", "<think></think><answer>0.75</answer>"),       // correct, empty think
        ])
        var p = EvalParameters()
        p.samples = 4
        p.seed = 3
        p.maxNewTokens = 40
        let result = try CheckpointEvaluation.run(loaded, name: "trained", problems: problems, parameters: p)
        let v = try JSONValue.parse(result.jsonObject)

        // Each response alone, from the documented streams: greedy, then response j to problem i
        // from (seed, 1, i, j) at the temperature.
        let policy = Policy(model: loaded.model, tokenizer: loaded.tokenizer)
        let greedy = try policy.rollouts(problems, samplesEach: 1, sampling: SamplingParameters(greedy: true, maxNewTokens: 40),
                                         seed: 0, stream: 0).map { $0[0] }
        let sampled = try policy.rollouts(problems, samplesEach: 4, sampling: SamplingParameters(temperature: 1, maxNewTokens: 40),
                                          seed: 3, stream: 1)
        struct One { var correct: Bool; var formatOK: Bool; var length: Int; var reasons: Bool; var checked: Int; var trueClaims: Int; var key: String? }
        func one(_ r: Rollout) -> One {
            let verified = Verifier().verify(r.response, for: r.problem)
            let steps = StepChecker.summary(of: verified.think)
            return One(correct: verified.verdict == .correct, formatOK: verified.formatOK, length: r.response.count,
                       reasons: !verified.think.allSatisfy(\.isWhitespace), checked: steps.checked, trueClaims: steps.correct,
                       key: verified.answerKey)
        }
        func expected(_ rs: [One]) -> [String: Double?] {
            let n = Double(rs.count), right = rs.filter(\.correct), wrong = rs.filter { !$0.correct }
            func mean(_ xs: [One]) -> Double? { xs.isEmpty ? nil : Double(xs.reduce(0) { $0 + $1.length }) / Double(xs.count) }
            let checked = rs.reduce(0) { $0 + $1.checked }
            return ["pass@1": Double(right.count) / n, "format_rate": Double(rs.filter(\.formatOK).count) / n,
                    "mean_length": mean(rs), "length/correct_mean": mean(right), "length/wrong_mean": mean(wrong),
                    "reasoning_rate": Double(rs.filter(\.reasons).count) / n,
                    "step_accuracy": checked == 0 ? nil : Double(rs.reduce(0) { $0 + $1.trueClaims }) / Double(checked)]
        }
        func check(_ object: JSONValue?, _ want: [String: Double?], _ prefix: String = "", _ what: String) {
            for (key, x) in want {
                #expect(object?[prefix + key]?.doubleValue == x, "\(what) \(prefix + key)")
                if x == nil { #expect(object?[prefix + key] == .null, "\(what) \(prefix + key)") }
            }
        }
        let g = greedy.map(one)
        // The model learnt its lessons well enough that the numbers say something.
        let greedyPass = try #require(expected(g)["pass@1"] ?? nil), greedyFormat = try #require(expected(g)["format_rate"] ?? nil)
        #expect(greedyPass > 0 && greedyPass < 1 && greedyFormat > 0 && greedyFormat < 1, "\(greedy.map(\.response))")
        check(v, expected(g), "", "all")
        for family in [Family.add, .mul, .div] {
            let members = problems.indices.filter { problems[$0].family == family }
            check(v["by_family"]?[family.rawValue], expected(members.map { g[$0] }), "", family.rawValue)
            #expect(v["by_family"]?[family.rawValue]?["problems"]?.intValue == members.count)
        }
        check(v["by_difficulty"]?["add"]?["2"], expected([g[3]]), "", "add/2")

        // k = 4: mean@k, pass@k (n = k: solved when any sample is), maj@k (the most frequent
        // gradable answer, ties to the first given), and the sampled responses' metrics.
        let s = sampled.map { $0.map(one) }
        let flat = s.flatMap { $0 }
        #expect(v["mean@k"]?.doubleValue == Double(flat.filter(\.correct).count) / Double(flat.count))
        #expect(v["pass@k"]?.doubleValue == Double(s.filter { $0.contains(where: \.correct) }.count) / Double(s.count))
        func majorityCorrect(_ group: [One]) -> Bool {
            var best: (key: String, count: Int, correct: Bool)?
            for (i, r) in group.enumerated() {
                guard let key = r.key, !group[..<i].contains(where: { $0.key == key }) else { continue }
                let count = group.filter { $0.key == key }.count
                if best == nil || count > best!.count { best = (key, count, r.correct) }
            }
            return best?.correct ?? false
        }
        #expect(v["maj@k"]?.doubleValue == Double(s.filter(majorityCorrect).count) / Double(s.count))
        var sampledWant = expected(flat)
        sampledWant["pass@1"] = nil
        check(v, sampledWant, "sampled/", "sampled")
        #expect(v["problems"]?.intValue == 5 && v["k"]?.intValue == 4 && v["step"]?.intValue == 3)
    }

    @Test func jsonHasTheDocumentedKeysAndFractions() throws {
        var p = EvalParameters()
        p.samples = 3
        p.maxNewTokens = 12
        p.seed = UInt64.max          // seeds are UInt64: written exactly, not wrapped to a negative Int
        var progress: [Int] = []
        let r = try CheckpointEvaluation.run(try tinyCheckpoint(), name: "ckpt", problems: Array(heldoutSample.prefix(9)), parameters: p) {
            progress.append($0.done)
        }
        #expect(progress.last == 9)
        let v = try JSONValue.parse("[" + r.jsonObject + "]").arrayValue![0]
        #expect(v["checkpoint"]?.stringValue == "ckpt" && v["step"]?.intValue == 7 && v["problems"]?.intValue == 9 && v["k"]?.intValue == 3)
        #expect(v["seed"]?.uint64Value == UInt64.max)
        for key in ["pass@1", "format_rate", "mean@k", "pass@k", "maj@k"] {
            let x = try #require(v[key]?.doubleValue, "\(key)")
            #expect((0...1).contains(x), "\(key)")
        }
        #expect(v["mean_length"]?.doubleValue != nil)
        let families = Set(heldoutSample.prefix(9).map(\.family.rawValue))
        guard case let .object(byFamily)? = v["by_family"] else { Issue.record("no by_family"); return }
        #expect(Set(byFamily.keys) == families)
        for (_, f) in byFamily {
            for key in ["problems", "pass@1", "format_rate", "mean_length", "mean@k", "pass@k", "maj@k"] { #expect(f[key] != nil, "\(key)") }
        }
        #expect(v["by_difficulty"]?[heldoutSample[0].family.rawValue]?[String(heldoutSample[0].difficulty)]?["pass@1"] != nil)

        var greedyOnly = p
        greedyOnly.samples = 1
        let g = try JSONValue.parse(try CheckpointEvaluation.run(try tinyCheckpoint(), name: "c", problems: Array(heldoutSample.prefix(3)),
                                                                 parameters: greedyOnly).jsonObject)
        #expect(g["k"] == nil && g["mean@k"] == nil && g["pass@1"] != nil)
    }

    @Test(arguments: [
        ({ @Sendable (p: inout EvalParameters) in p.samples = 0 }, "--samples must be at least 1"),
        ({ @Sendable (p: inout EvalParameters) in p.temperature = 0 }, "--temperature must be positive"),
        ({ @Sendable (p: inout EvalParameters) in p.temperature = .infinity }, "--temperature must be positive"),
        ({ @Sendable (p: inout EvalParameters) in p.topP = 1.5 }, "--top-p must be in (0, 1]; got 1.5"),
        ({ @Sendable (p: inout EvalParameters) in p.maxNewTokens = 0 }, "--max-length must be at least 1; got 0"),
        ({ @Sendable (p: inout EvalParameters) in p.batch = 0 }, "--batch must be between 1 and 1024; got 0"),
    ] as [(@Sendable (inout EvalParameters) -> Void, String)])
    func invalidParametersAreRejectedNamingTheFlag(change: @Sendable (inout EvalParameters) -> Void, message: String) {
        var p = EvalParameters()
        change(&p)
        do { try p.validate(); Issue.record("accepted") } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
    }

    @Test func noProblemsIsAnError() throws {
        do { _ = try CheckpointEvaluation.run(try tinyCheckpoint(), name: "c", problems: [], parameters: EvalParameters()); Issue.record("accepted") }
        catch { #expect("\(error)".contains("no problems")) }
    }
}
