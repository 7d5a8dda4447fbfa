// `lab verify`: grade responses read as JSONL, one verdict line out per line in.
import ArgumentParser
import Foundation
import Tasks

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade responses: reads {\"problem\": {...}, \"response\": \"...\"} lines, writes one verdict line each.",
        discussion: """
        Each output line: {"verdict": "correct|wrong|malformed|missing", "reason": "...", "reward": x,
        "components": {"accuracy": a, "format": f}, "steps": {"checked": n, "true": m}}.
        The policy is in README ("Verifier policy").
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

    func run() throws {
        let scorer = Scorer(weights: RewardWeights(accuracy: accuracyWeight, format: formatWeight, steps: stepWeight))
        let hint = "each line is one JSON object {\"problem\": a problem object, \"response\": a string}; in the problem, "
            + Problem.formatHint.dropFirst("each line is one JSON object with ".count)
        let results = try CLIError.wrap(hint: hint) { () throws(InputFileError) in
            try JSONLines.read(file) { json -> Scored in
                guard let problemJSON = json["problem"] else { throw ProblemFormatError.missingField("problem") }
                guard let response = json["response"]?.stringValue else {
                    throw json["response"] == nil ? ProblemFormatError.missingField("response")
                        : ProblemFormatError.wrongType(field: "response", expected: "a string", found: json["response"])
                }
                return scorer.score(response, for: try Problem(json: problemJSON))
            }
        }
        var text = ""
        for s in results {
            text += JSONValue.object(ordered: [
                ("verdict", .string(s.verdict.name)),
                ("reason", .string(s.verdict.reason)),
                ("reward", .double(s.reward.total)),
                ("components", .object(Dictionary(uniqueKeysWithValues: s.reward.components.map { ($0.name, .double($0.value)) }))),
                ("steps", .object(["checked": .int(s.steps.checked), "true": .int(s.steps.correct)])),
            ]) + "\n"
        }
        try writeOutput(text, to: out)
    }
}
