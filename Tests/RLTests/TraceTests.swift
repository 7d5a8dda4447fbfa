// Traces as printed: the parts of a response, claim marks, colour and escaping, saved records
// read back, and the filters and seeds of sampling.
import Foundation
import Testing
import GPT
import Tasks
@testable import RL

struct ResponsePartTests {
    typealias P = ResponsePart
    @Test(arguments: [
        ("<think>a</think><answer>1</answer>", [P(kind: .think, text: "a"), P(kind: .answer, text: "1")]),
        ("no tags", [P(kind: .outside, text: "no tags")]),
        ("x<think>a", [P(kind: .outside, text: "x"), P(kind: .think, text: "a", closed: false)]),
        ("<answer>1</answer> tail", [P(kind: .answer, text: "1"), P(kind: .outside, text: " tail")]),
        // A stray closing tag, and an answer tag inside a think block, stay where they are.
        ("</think><answer>2", [P(kind: .outside, text: "</think>"), P(kind: .answer, text: "2", closed: false)]),
        ("<think>a<answer>1</answer></think>", [P(kind: .think, text: "a<answer>1</answer>")]),
        ("<think>a<answer>1</answer>", [P(kind: .think, text: "a", closed: false), P(kind: .answer, text: "1")]),
        ("", []),
    ])
    func partsSplitAtTags(response: String, parts: [ResponsePart]) {
        #expect(ResponsePart.parts(of: response) == parts)
    }
}

struct TraceTextTests {
    let problem = Problem(id: "mul-3x2-000017", family: .mul, difficulty: 3, question: "347*28", answer: "9716")
    let response = "<think>347*8=2776\n347*20=6941\n2776+6940=9716</think><answer>9716</answer>"

    func trace() -> Trace { Trace(rollout(problem, response)) }

    @Test func plainTextMarksEveryClaimAndSetsThePartsApart() {
        let text = TraceText.render(trace(), index: "1", painter: TracePainter(.plain))
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("347*8=2776 ✓") && text.contains("347*20=6941 ✗") && text.contains("2776+6940=9716 ✓"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("[1] mul-3x2-000017"))
        #expect(lines[1].contains("question") && lines[1].contains("347*28") && lines[1].contains("answer 9716"))
        #expect(lines[2].hasSuffix("think  347*8=2776 ✓"))
        #expect(lines[3] == String(repeating: " ", count: 12) + "347*20=6941 ✗")   // continuation under the text column
        #expect(lines[5].hasSuffix("answer  9716"))
        #expect(lines[6].contains("verdict  correct") && lines[6].contains("reward 1.1 (accuracy 1, format 0.1)")
                && lines[6].contains("2/3 claims true"))
        #expect(!text.contains("<think>") && !text.contains("</answer>"))
    }

    @Test func ansiColoursClaimsByTruth() {
        let text = TraceText.render(trace(), index: "1", painter: TracePainter(.ansi))
        #expect(text.contains("\u{1B}[32m347*8=2776 ✓\u{1B}[0m"))
        #expect(text.contains("\u{1B}[1;31m347*20=6941 ✗\u{1B}[0m"))
        #expect(text.contains("\u{1B}[1;32mcorrect\u{1B}[0m"))
    }

    @Test func htmlEscapesTheResponse() {
        let t = Trace(rollout(problem, "<think>1+1=2 & <b>bold</b></think><answer>2</answer> <script>x</script>"))
        let html = TraceText.render(t, index: "1", painter: TracePainter(.html))
        #expect(!html.contains("<b>") && !html.contains("<script>"))
        #expect(html.contains("&amp; &lt;b&gt;bold&lt;/b&gt;") && html.contains("&lt;script&gt;x&lt;/script&gt;"))
        #expect(html.contains("<span class=\"claim-true\">1+1=2 ✓</span>"))
    }

    /// Marks and the verdict row's count come from the same text: the think block the verifier read.
    @Test(arguments: [
        // (response, marks shown, claims the verifier counted)
        ("<think>1+1=2\n2+2=5</think><answer>4</answer>", 2, 2),
        // Two think blocks: the verifier reads none, so nothing is marked.
        ("<think>1+1=2<think>2+2=5</think><answer>4</answer>", 0, 0),
        ("<think>1+1=2</think><think>2+2=5</think><answer>4</answer>", 0, 0),
        // Cut off inside the think block (truncated): nothing was checked.
        ("<think>1+1=2\n2+2=5\n3+3=", 0, 0),
        ("<think>1+1=2 <answer>2</answer>", 0, 0),
    ])
    func marksAreTheClaimsTheVerifierChecked(response: String, marks: Int, checked: Int) {
        let r = rollout(Problem(id: "add-1", family: .add, difficulty: 1, question: "2+2", answer: "4"), response)
        #expect(r.scored.steps.checked == checked)
        let text = TraceText.body(Trace(r), painter: TracePainter(.plain))
        let shown = text.components(separatedBy: " ✓").count - 1 + text.components(separatedBy: " ✗").count - 1
        #expect(shown == marks, "\(text)")
        #expect(text.contains("claims true") == (checked > 0))
        if marks == 0 && response.contains("1+1=2") { #expect(text.contains("1+1=2") && text.contains("(claims not checked)")) }
    }

    @Test func aSavedRecordReadsBackAsTheSameTrace() throws {
        let r = rollout(problem, response)
        let line = TraceRecord(rollout: r, advantage: -0.5, step: 3).jsonLine
        let t = try Trace(record: try JSONValue.parse(line))
        let fresh = Trace(r)
        #expect(t.problem == fresh.problem && t.response == fresh.response && t.verdict == .correct)
        #expect(t.components == fresh.components && t.steps == fresh.steps && t.length == fresh.length && t.think == fresh.think)
        #expect(t.advantage == -0.5)
        #expect(TraceText.body(t, painter: TracePainter(.plain)).contains("advantage -0.50"))
    }

    @Test(arguments: [
        (#"{"response": "x", "verdict": "wrong", "components": {}}"#, "missing field \"problem\""),
        (#"{"problem": {"id": "m", "family": "mul", "difficulty": 1, "question": "1*1", "answer": "1"}, "response": "x", "verdict": "nearly", "components": {}}"#,
         "field \"verdict\" must be one of correct, wrong, malformed, missing, not the string \"nearly\""),
    ])
    func aBadRecordSaysWhatWasExpected(line: String, message: String) throws {
        do { _ = try Trace(record: try JSONValue.parse(line)); Issue.record("no error") } catch { #expect("\(error)" == message) }
    }
}

struct TraceSamplingTests {
    func policy(seed: UInt64) throws -> Policy {
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 64, nLayer: 1, nHead: 2, nEmbd: 16), seed: seed)
        return Policy(model: model, tokenizer: tokenizer)
    }

    @Test func filtersAndSeedsDecideTheTraces() throws {
        let a = try policy(seed: 1), b = try policy(seed: 2)
        var p = TraceParameters()
        p.count = 3
        p.maxNewTokens = 16
        p.family = .mul
        let first = try TraceSampling.sample([a], problems: heldoutSample, parameters: p)
        #expect(first.count == 3 && first.allSatisfy { $0.count == 1 && $0[0].problem.family == .mul })
        #expect(try TraceSampling.sample([a], problems: heldoutSample, parameters: p).map { $0[0].response } == first.map { $0[0].response })
        // A random model rarely closes an answer block: --only missing finds them, --only correct finds none.
        p.only = .missing
        let missing = try TraceSampling.sample([a], problems: heldoutSample, parameters: p)
        #expect(missing.count == 3 && missing.allSatisfy { $0[0].verdict == .missing })
        p.only = .correct
        p.maxTries = 40
        #expect(try TraceSampling.sample([a], problems: heldoutSample, parameters: p).isEmpty)
        // Comparing: both checkpoints answer the same problems.
        p.only = nil
        let pairs = try TraceSampling.sample([a, b], problems: heldoutSample, parameters: p)
        #expect(pairs.count == 3 && pairs.allSatisfy { $0.count == 2 && $0[0].problem == $0[1].problem })
        #expect(pairs.map { $0[0].problem } == first.map { $0[0].problem })
        // One question asked again and again.
        p.count = 4
        let asked = try TraceSampling.sample([a], problems: [mulProblem], repeating: true, parameters: p)
        #expect(asked.count == 4 && asked.allSatisfy { $0[0].problem == mulProblem })
        #expect(Set(asked.map { $0[0].response }).count > 1)
    }

    /// The sample shown for a problem depends only on (seed, its index in the set): filters,
    /// counts and --compare pick which problems are shown, not what their samples are.
    @Test func aProblemsSampleDoesNotDependOnTheFilters() throws {
        let a = try policy(seed: 1), b = try policy(seed: 2)
        var p = TraceParameters()
        p.count = 12
        p.maxNewTokens = 16
        func byID(_ found: [[Trace]], _ which: Int = 0) -> [String: String] {
            Dictionary(found.map { ($0[which].problem.id, $0[which].response) }, uniquingKeysWith: { x, _ in x })
        }
        let all = byID(try TraceSampling.sample([a], problems: heldoutSample, parameters: p))
        #expect(all.count == 12)
        var variants: [TraceParameters] = []
        for family in [nil, Family.add, .mul] as [Family?] {
            for only in [nil, VerdictName.missing] as [VerdictName?] {
                for count in [3, 40] {
                    var q = p
                    (q.family, q.only, q.count) = (family, only, count)
                    variants.append(q)
                }
            }
        }
        var compared = 0
        for q in variants {
            let found = try TraceSampling.sample([a], problems: heldoutSample, parameters: q)
            #expect(!found.isEmpty)
            for (id, response) in byID(found) where all[id] != nil {
                #expect(all[id] == response, "\(id) with family \(q.family?.rawValue ?? "-"), only \(q.only?.rawValue ?? "-"), count \(q.count)")
                compared += 1
            }
        }
        #expect(compared > 12)
        // Comparing: each checkpoint's side is what it shows alone.
        let pairs = try TraceSampling.sample([a, b], problems: heldoutSample, parameters: p)
        #expect(byID(pairs, 0) == all)
        var alone = p
        alone.family = .mul
        let bAlone = byID(try TraceSampling.sample([b], problems: heldoutSample, parameters: alone))
        for (id, response) in bAlone { if let paired = byID(pairs, 1)[id] { #expect(paired == response) } }
        // Another seed, other samples.
        var other = p
        other.seed = 5
        let reseeded = byID(try TraceSampling.sample([a], problems: heldoutSample, parameters: other))
        #expect(reseeded.contains { all[$0.key] != nil && all[$0.key] != $0.value })
    }
}
