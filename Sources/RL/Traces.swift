// Reasoning traces as people read them: the question, the response split into its think and
// answer parts with every arithmetic claim marked true or false, the verdict and the reward
// parts. One layout, painted for a terminal (ANSI colour), as plain text, or as HTML.
import Foundation
import GPT
import Tasks

// MARK: - Trace

/// The four verdicts by name, for filtering (`--only`).
public enum VerdictName: String, CaseIterable, Sendable, Codable {
    case correct, wrong, malformed, missing
}

/// One response to show, from a fresh rollout or from a trace saved during training.
public struct Trace: Sendable {
    public struct Component: Sendable, Equatable {
        public var name: String
        public var value: Double
    }

    public var problem: Problem
    public var response: String
    public var verdict: VerdictName
    /// Why the verdict is not `correct` ("" when it is).
    public var reason: String
    /// Reward components, already weighted; the reward is their sum.
    public var components: [Component]
    public var length: Int
    public var truncated: Bool
    public var steps: StepSummary
    /// The think text as the verifier read it and the step checker checked it ("" when the
    /// response has no single closed think block): claims are marked in this text only, so the
    /// marks are the claims `steps` counts.
    public var think: String
    /// Group-relative advantage, for traces saved during training.
    public var advantage: Double?

    public var reward: Double { components.reduce(0) { $0 + $1.value } }

    public init(_ r: Rollout) {
        problem = r.problem
        response = r.response
        verdict = VerdictName(rawValue: r.scored.verdict.name) ?? .missing
        reason = r.scored.verdict.reason
        components = r.scored.reward.components.map { Component(name: $0.name, value: $0.value) }
        length = r.length
        truncated = r.truncated
        steps = r.scored.steps
        think = r.scored.think
        advantage = nil
    }

    /// A line of `samples/step_NNNNNN.jsonl` (the trainer's TraceRecord): `problem`, `response`,
    /// `verdict` and `components` are required; `reason`, `length`, `truncated`, `steps` and
    /// `advantage` are read when present.
    public init(record v: JSONValue) throws(ProblemFormatError) {
        guard case let .object(o) = v else { throw .notAnObject }
        guard let pv = o["problem"] else { throw .missingField("problem") }
        problem = try Problem(json: pv)
        guard let rv = o["response"] else { throw .missingField("response") }
        guard let response = rv.stringValue else { throw .wrongType(field: "response", expected: "a string", found: rv) }
        self.response = response
        guard let vv = o["verdict"] else { throw .missingField("verdict") }
        guard let verdict = vv.stringValue.flatMap(VerdictName.init(rawValue:)) else {
            throw .wrongType(field: "verdict", expected: "one of " + VerdictName.allCases.map(\.rawValue).joined(separator: ", "), found: vv)
        }
        self.verdict = verdict
        reason = o["reason"]?.stringValue ?? ""
        guard case let .object(parts)? = o["components"] else {
            throw o["components"] == nil ? .missingField("components") : .wrongType(field: "components", expected: "an object of numbers", found: o["components"])
        }
        components = []
        for (name, value) in parts.sorted(by: { $0.key < $1.key }) {
            guard let x = value.doubleValue else { throw .wrongType(field: "components", expected: "an object of numbers", found: value) }
            components.append(Component(name: name, value: x))
        }
        length = o["length"]?.intValue ?? response.count
        truncated = o["truncated"] == .bool(true)
        // The verifier is deterministic: it reads the same think text the scorer read in training.
        think = Verifier().verify(response, for: problem).think
        if let s = o["steps"], let checked = s["checked"]?.intValue, let correct = s["true"]?.intValue {
            steps = StepSummary(checked: checked, correct: correct)
        } else {
            steps = StepChecker.summary(of: think)
        }
        advantage = o["advantage"]?.doubleValue
    }

    /// Kept by the filters: this verdict (nil: any) and family (nil: any).
    public func matches(only: VerdictName?, family: Family?) -> Bool {
        (only == nil || verdict == only) && (family == nil || problem.family == family)
    }
}

// MARK: - Parts of a response

/// A stretch of a response: inside `<think>…</think>`, inside `<answer>…</answer>`, or outside both.
public struct ResponsePart: Equatable, Sendable {
    public enum Kind: String, Sendable { case think, answer, outside }
    public var kind: Kind
    /// The text between the tags (tags themselves are not included).
    public var text: String
    /// False when the response ends before the block's closing tag.
    public var closed = true

    /// Splits a response at its tags, left to right: outside a block, `<think>` or `<answer>`
    /// opens one, which runs to its own closing tag (an unclosed think block to the next
    /// `<answer>`). Any other tag (a stray `</think>`, an `<answer>` inside a closed think
    /// block) stays in the text where it is, so nothing is hidden.
    public static func parts(of response: String) -> [ResponsePart] {
        var out: [ResponsePart] = []
        var rest = response[...]
        while !rest.isEmpty {
            let opens = [(Kind.think, "<think>"), (Kind.answer, "<answer>")].compactMap { kind, tag in
                rest.range(of: tag).map { (kind, $0) }
            }
            guard let (kind, open) = opens.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else {
                out.append(ResponsePart(kind: .outside, text: String(rest)))
                break
            }
            if open.lowerBound > rest.startIndex {
                out.append(ResponsePart(kind: .outside, text: String(rest[..<open.lowerBound])))
            }
            let body = rest[open.upperBound...]
            if let close = body.range(of: "</\(kind.rawValue)>") {
                out.append(ResponsePart(kind: kind, text: String(body[..<close.lowerBound])))
                rest = body[close.upperBound...]
            } else if kind == .think, let answer = body.range(of: "<answer>") {
                // An unclosed think block ends where the answer begins, so the answer the
                // verifier reads is shown as one.
                out.append(ResponsePart(kind: kind, text: String(body[..<answer.lowerBound]), closed: false))
                rest = body[answer.lowerBound...]
            } else {
                out.append(ResponsePart(kind: kind, text: String(body), closed: false))
                break
            }
        }
        return out
    }
}

// MARK: - Painting

/// Marks text by role: ANSI colour for a terminal, nothing for plain text, spans for HTML
/// (which also escapes `& < > "`).
public struct TracePainter: Sendable {
    public enum Mode: Sendable { case plain, ansi, html }
    public enum Role: String, Sendable {
        case text, heading, label, dim, trueClaim = "claim-true", falseClaim = "claim-false", retry
        case correct, wrong, malformed, missing
    }

    public var mode: Mode
    public init(_ mode: Mode) { self.mode = mode }

    /// ANSI colour when standard output is a terminal and NO_COLOR is unset or empty
    /// (https://no-color.org); plain text otherwise.
    public static func forStandardOutput() -> TracePainter {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TracePainter(isatty(STDOUT_FILENO) == 1 && !noColor ? .ansi : .plain)
    }

    public func callAsFunction(_ text: String, _ role: Role) -> String {
        switch mode {
        case .plain: return text
        case .html: return role == .text ? Self.escape(text) : "<span class=\"\(role.rawValue)\">\(Self.escape(text))</span>"
        case .ansi:
            let code: String
            switch role {
            case .text: return text
            case .heading: code = "1"
            case .label, .dim: code = "2"
            case .trueClaim: code = "32"
            case .falseClaim: code = "1;31"
            case .retry: code = "1;36"
            case .correct: code = "1;32"
            case .wrong: code = "1;31"
            case .malformed: code = "1;33"
            case .missing: code = "1;35"
            }
            return "\u{1B}[\(code)m\(text)\u{1B}[0m"
        }
    }

    public func verdict(_ v: VerdictName) -> Role {
        switch v {
        case .correct: return .correct
        case .wrong: return .wrong
        case .malformed: return .malformed
        case .missing: return .missing
        }
    }

    /// Text made safe inside HTML elements and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

// MARK: - Layout

/// The layout of a trace: a heading line, then one labelled row per part of the response
/// (labels in a right-aligned gutter), then the verdict row.
///
///     [1] mul-3x2-000017 · mul, difficulty 3
///       question  347*28  (answer 9716)
///          think  8*7+0=56 ✓
///                 347*8=2776 ✓
///         answer  9716
///        verdict  correct · reward 1.1 (accuracy 1, format 0.1) · 11/11 claims true · 123 characters
public enum TraceText {
    static let gutter = 10

    /// `[index] id · family, difficulty d`, then the question row.
    public static func heading(_ p: Problem, index: String, painter: TracePainter) -> String {
        var expected = ""
        if !p.answer.isEmpty { expected = p.family.answersWithExpression ? "  (a solution: \(p.answer))" : "  (answer \(p.answer))" }
        let head = painter("[\(index)] \(p.id)", .heading) + painter(" · \(p.family.rawValue), difficulty \(p.difficulty)", .dim)
        return head + "\n" + row("question", painter(p.question, .heading) + painter(expected, .dim), painter)
    }

    /// The response's parts and the verdict row. Claims are marked in the think block the verifier
    /// read (`Trace.think`) and nowhere else: a think part it did not read (a second or unclosed
    /// block) is shown unmarked and said to be unchecked, so the marks always add up to the
    /// verdict row's count of true claims.
    public static func body(_ t: Trace, painter: TracePainter) -> String {
        var rows: [String] = []
        var marked = false
        for part in ResponsePart.parts(of: t.response) {
            if part.kind == .outside && part.text.allSatisfy(\.isWhitespace) { continue }
            var text: String
            if part.kind == .think {
                if !marked && !t.think.isEmpty && part.text == t.think && part.closed {
                    text = markClaims(t.think, painter)
                    marked = true
                } else {
                    text = painter(part.text, .text)
                    if !part.text.isEmpty { text += painter("  (claims not checked)", .dim) }
                }
            } else {
                text = painter(part.text, part.kind == .answer ? painter.verdict(t.verdict) : .text)
            }
            if part.text.isEmpty { text = painter("(empty)", .dim) }
            if !part.closed { text += painter("  (no </\(part.kind.rawValue)>)", .dim) }
            rows.append(row(part.kind.rawValue, text, painter))
        }
        if rows.isEmpty { rows.append(row("response", painter("(empty)", .dim), painter)) }
        rows.append(row("verdict", verdictLine(t, painter), painter))
        return rows.joined(separator: "\n")
    }

    public static func render(_ t: Trace, index: String, painter: TracePainter) -> String {
        heading(t.problem, index: index, painter: painter) + "\n" + body(t, painter: painter)
    }

    /// One problem answered by two checkpoints, one after the other, each labelled.
    public static func compare(_ a: Trace, _ b: Trace, names: (String, String), index: String, painter: TracePainter) -> String {
        heading(a.problem, index: index, painter: painter) + "\n"
            + painter("  ── A: \(names.0)", .label) + "\n" + body(a, painter: painter) + "\n"
            + painter("  ── B: \(names.1)", .label) + "\n" + body(b, painter: painter)
    }

    /// `correct · reward 1.1 (accuracy 1, format 0.1) · 11/11 claims true · 123 characters`.
    static func verdictLine(_ t: Trace, _ painter: TracePainter) -> String {
        var s = painter(t.verdict.rawValue, painter.verdict(t.verdict))
        if !t.reason.isEmpty { s += painter(" (\(t.reason))", painter.verdict(t.verdict)) }
        let parts = t.components.map { "\($0.name) \(number($0.value))" }.joined(separator: ", ")
        var facts = ["reward \(number(t.reward))" + (parts.isEmpty ? "" : " (\(parts))")]
        if t.steps.checked > 0 { facts.append("\(t.steps.correct)/\(t.steps.checked) claims true") }
        let marks = Reasoning.marks(in: t.think)
        if marks.hasRetry { facts.append("failed check, retried ↻") } else if marks.hasFailedCheck { facts.append("failed check, no retry") }
        else if marks.hasCheck { facts.append("check passed") }
        facts.append("\(t.length) characters" + (t.truncated ? ", truncated" : ""))
        if let a = t.advantage { facts.append("advantage " + (a >= 0 ? "+" : "") + String(format: "%.2f", a)) }
        return s + painter(" · " + facts.joined(separator: " · "), .text)
    }

    /// The think text with each claim painted by truth and followed by ✓ or ✗ (so the marks
    /// read without colour too).
    /// A retry after a failed check (`wait, redo`) is painted and marked ↻.
    static func markClaims(_ text: String, _ painter: TracePainter) -> String {
        let bytes = Array(text.utf8)
        let retries = Reasoning.marks(in: text).hasRetry
        func plain(_ s: String) -> String {
            guard retries, s.contains(Reasoning.retry) else { return painter(s, .text) }
            return s.components(separatedBy: Reasoning.retry).map { painter($0, .text) }
                .joined(separator: painter("↻ " + Reasoning.retry, .retry))
        }
        var out = "", at = 0
        for claim in StepChecker.claims(in: text) {
            out += plain(String(decoding: bytes[at..<claim.utf8Range.lowerBound], as: UTF8.self))
            out += painter(claim.text + (claim.isTrue ? " ✓" : " ✗"), claim.isTrue ? .trueClaim : .falseClaim)
            at = claim.utf8Range.upperBound
        }
        return out + plain(String(decoding: bytes[at...], as: UTF8.self))
    }

    /// A labelled row; continuation lines are indented to the text column.
    static func row(_ label: String, _ text: String, _ painter: TracePainter) -> String {
        let pad = String(repeating: " ", count: max(0, gutter - label.count))
        let indent = String(repeating: " ", count: gutter + 2)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line in
            (i == 0 ? pad + painter(label, .label) + "  " : indent) + line
        }.joined(separator: "\n")
    }

    /// 1, 0.1, -0.25: no trailing zeros.
    static func number(_ x: Double) -> String { String(format: "%g", x) }
}

// MARK: - Sampling traces

/// Which traces `lab traces` shows and how it samples them.
public struct TraceParameters: Codable, Equatable, Sendable {
    /// How many traces (problems, when comparing) to show.
    public var count = 5
    /// Only responses with this verdict (when comparing: problems where either response has it).
    public var only: VerdictName?
    /// Only problems of this family.
    public var family: Family?
    /// Picks the problems and seeds the responses: the same seed shows the same traces.
    public var seed: UInt64 = 0
    /// Sampling temperature; 1 shows what training samples, 0 the greedy response.
    public var temperature: Float = 1
    /// Nucleus sampling threshold (1: off).
    public var topP: Float = 1
    /// Most generated characters per response; nil: whatever the context leaves.
    public var maxNewTokens: Int?
    /// Most responses sampled per checkpoint while looking for `count` that pass `only`, so a
    /// verdict the model never gives ends the search instead of running forever.
    public var maxTries = 512

    public init() {}

    /// Throws when a value cannot work, naming the `lab traces` flag.
    public func validate() throws(ParameterError) {
        try ParameterError.check(count >= 1, flag: "--count", "must be at least 1", got: count)
        try ParameterError.check(temperature >= 0 && temperature.isFinite, flag: "--temperature",
                                 "must be 0 (greedy) or more", got: temperature)
        try ParameterError.check((maxNewTokens ?? 1) >= 1, flag: "--max-length", "must be at least 1", got: maxNewTokens ?? 0)
        try ParameterError.check(maxTries >= 1, flag: "--max-tries", "must be at least 1", got: maxTries)
        try ParameterError.check(topP > 0 && topP <= 1, flag: "--top-p", "must be in (0, 1]", got: topP)
    }
}

public enum TraceSampling {
    /// The stream every trace draws from ("trac"); problem i of the set draws from
    /// (seed, stream, i, 0).
    static let stream: UInt64 = 0x7472_6163

    /// Samples one response per problem with every policy, the same seed and stream for each, so
    /// two checkpoints answer the same problems alike but for their weights. The response to a
    /// problem depends only on (seed, its index in `problems`) and the weights: the filters
    /// (`family`, `only`), `count` and `--compare` change which problems are shown, never what a
    /// shown problem's sample is. Problems are taken in a seeded shuffled order of the whole set,
    /// then filtered by family, so a filtered run shows its problems in the unfiltered order; with
    /// `repeating` the first problem is asked again and again, the n-th asking drawing as index n
    /// (a question given on the command line). Returns, for each kept problem, one trace per policy;
    /// fewer than `count` when `maxTries` responses run out first.
    public static func sample(_ policies: [Policy], problems: [Problem], repeating: Bool = false,
                              parameters p: TraceParameters) throws -> [[Trace]] {
        try p.validate()
        guard let first = problems.first, !policies.isEmpty else { return [] }
        // (index in the set, problem), in the order they are tried.
        var pool: [(index: Int, problem: Problem)]
        if repeating {
            pool = (0..<p.maxTries).map { ($0, first) }
        } else {
            var order = Array(problems.indices)
            var rng = SeededRandom(seed: p.seed, derive: 0x7472_6163)   // "trac"
            rng.shuffle(&order)
            pool = Array(order.lazy.filter { p.family == nil || problems[$0].family == p.family }.prefix(p.maxTries)
                .map { ($0, problems[$0]) })
        }
        let chunk = p.only == nil ? max(1, p.count) : min(p.maxTries, max(4 * p.count, 64))
        let sampling = SamplingParameters(temperature: p.temperature, topP: p.topP, greedy: p.temperature == 0,
                                          maxNewTokens: p.maxNewTokens ?? policies[0].model.config.contextLength)
        var kept: [[Trace]] = []
        for start in stride(from: 0, to: pool.count, by: chunk) where kept.count < p.count {
            let batch = pool[start..<min(pool.count, start + chunk)]
            let answers = try policies.map { policy in
                try policy.rollouts(batch.map(\.problem), indices: batch.map(\.index), samplesEach: 1, sampling: sampling,
                                    seed: p.seed, stream: stream, batch: min(chunk, 128)).map { Trace($0[0]) }
            }
            for i in 0..<batch.count where kept.count < p.count {
                let traces = answers.map { $0[i] }
                if traces.contains(where: { $0.matches(only: p.only, family: nil) }) { kept.append(traces) }
            }
        }
        return kept
    }
}
