// `lab verify`: grade responses read as JSONL, one verdict line out per line in.
import ArgumentParser
import Foundation
import Tasks

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade responses: reads {\"problem\": {...}, \"response\": \"...\"} lines, writes one verdict line each.",
        discussion: """
        Each output line: {"verdict": "correct|wrong|malformed|missing", "reason": "...", "reward": x,
        "components": {"accuracy": a, "format": f}, "steps": {"checked": n, "true": m}}, preceded by "id" when the
        input line (or its problem) has one. A line that cannot be read (not UTF-8, not JSON, a bad problem) gets
        {"verdict": "error", "reason": "...", "line": n} in its place, the rest are still graded, and the exit status is 1.
        The policy is in README ("Verifier policy").

        Example: lab problems generate --family add --difficulty 2 --count 3 --responses full | lab verify
        """)

    @Argument(help: "JSONL input file, or - for standard input.")
    var file = "-"

    @Option(help: "Weight of the accuracy reward.")
    var accuracyWeight = RewardWeights().accuracy

    @Option(help: "Weight of the format reward.")
    var formatWeight = RewardWeights().format

    @Option(help: "Weight of the step reward (fraction of true arithmetic claims); 0 leaves it out.")
    var stepWeight = RewardWeights().steps

    @Option(help: "Output file (default: standard output).")
    var out: String?

    func validate() throws {
        for (flag, w) in [("--accuracy-weight", accuracyWeight), ("--format-weight", formatWeight), ("--step-weight", stepWeight)] {
            guard w.isFinite else { throw ValidationError("\(flag) must be a finite number; got \(w)") }
        }
    }

    mutating func run() throws {
        file = try InputPath.resolve(file, what: "FILE")
        if let out, out != "-" { try OutputPath.checkFile(out, flag: "--out") }
        let scorer = Scorer(weights: RewardWeights(accuracy: accuracyWeight, format: formatWeight, steps: stepWeight))
        let hint = "each line is one JSON object {\"problem\": a problem object, \"response\": a string}; in the problem, "
            + Problem.formatHint.dropFirst("each line is one JSON object with ".count)
        let lines = try CLIError.wrap(hint: hint) { () throws(InputFileError) in try JSONLines.eachLine(of: file) }
        // Each line is graded on its own: a line that cannot be read gets an error record of its
        // own (and a message here), and the rest of the batch is still graded.
        var text = "", failed: [InputFileError] = []
        for (n, content) in lines {
            var id: JSONValue? = nil
            do {
                let json = try JSONLines.value(of: try content.get())
                id = json["id"] ?? json["problem"]?["id"]
                guard let problemJSON = json["problem"] else { throw ProblemFormatError.missingField("problem") }
                guard let response = json["response"]?.stringValue else {
                    throw json["response"] == nil ? ProblemFormatError.missingField("response")
                        : ProblemFormatError.wrongType(field: "response", expected: "a string", found: json["response"])
                }
                let s = scorer.score(response, for: try Problem(json: problemJSON))
                text += JSONValue.object(ordered: (id.map { [("id", $0)] } ?? []) + [
                    ("verdict", .string(s.verdict.name)),
                    ("reason", .string(s.verdict.reason)),
                    ("reward", .double(s.reward.total)),
                    ("components", .object(Dictionary(uniqueKeysWithValues: s.reward.components.map { ($0.name, .double($0.value)) }))),
                    ("steps", .object(["checked": .int(s.steps.checked), "true": .int(s.steps.correct)])),
                ]) + "\n"
            } catch {
                let e = error as? InputFileError ?? InputFileError(path: file, line: n, message: "\(error)")
                failed.append(e)
                text += JSONValue.object(ordered: (id.map { [("id", $0)] } ?? []) + [
                    ("verdict", .string("error")), ("reason", .string(e.message)), ("line", .int(n)),
                ]) + "\n"
            }
        }
        try writeOutput(text, to: out)
        guard failed.isEmpty else {
            for e in failed.prefix(10) { FileHandle.standardError.write(Data("lab verify: \(e)\n".utf8)) }
            throw CLIError(message: "\(failed.count) of \(lines.count) lines could not be graded; each has a record with \"verdict\": \"error\", "
                           + "its line and the reason, and every other line was graded", hint: hint)
        }
    }
}
