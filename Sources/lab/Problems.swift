// `lab problems`: generate problem files, summarise them, build the held-out set, and write the
// pretraining corpus out.
import ArgumentParser
import Foundation
import RL
import Tasks

struct Problems: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate, summarise and hold out problems, and write the pretraining corpus.",
        subcommands: [Generate.self, Stats.self, Heldout.self, Corpus.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write problems as JSONL; the same arguments give byte-identical output.",
            discussion: "Example: lab problems generate --family mul --difficulty 3 --count 5 --seed 7 --out mul.jsonl")

        @Option(help: "Family: \(Family.allCases.map(\.rawValue).joined(separator: ", ")).")
        var family: Family

        @Option(help: "The family's difficulty knob (see README).")
        var difficulty: Int

        @Option(help: "How many problems.")
        var count = 100

        @Option(help: "Seed of the problem stream.")
        var seed: UInt64 = 0

        @Option(help: ArgumentHelp(
            "Write `lab verify` input instead: each problem with a worked solution in this style.",
            discussion: "answer (bare answer), brief (main steps) or full (every step and a check).",
            valueName: "style"))
        var responses: SolutionStyle?

        @Flag(help: "With --responses full: a slip and its repair in each solution (a step wrong, the check failing, `wait, redo`, the work again), where the family writes repairs.")
        var repair = false

        @Flag(help: "With --responses full: a slip its check exposes, answered anyway (a repair without its retry, as the corpus option honestWrong writes wrong solutions), where the family writes repairs.")
        var slip = false

        @Flag(help: "With --responses full: check lines write the number their claim must come to (check 4735+0803=5538 vs 5538 ok; the corpus option comparedChecks).")
        var comparedChecks = false

        // Countdown's full style: by default the corpus's (`CorpusMix()`, what the shipped base
        // read); each option can be turned on or off. nil: not given.
        @Flag(inversion: .prefixedNo, help: "With --responses full: countdown's backward search (the corpus option countdownSearch, on by default) or, with --no-countdown-search, random tries before the recorded solution.")
        var countdownSearch: Bool?

        @Flag(inversion: .prefixedNo, help: "With the search: each step on a value worked out digit by digit first (countdownColumns; by default as the corpus).")
        var countdownColumns: Bool?

        @Flag(inversion: .prefixedNo, help: "With the search: its bookkeeping written out, pools in the question's order and a verdict after each pair value (countdownLedger; by default as the corpus).")
        var countdownLedger: Bool?

        @Flag(inversion: .prefixedNo, help: "With the search: the numbers tried in an order drawn from each problem, not largest first (countdownShuffle; by default as the corpus).")
        var countdownShuffle: Bool?

        /// The countdown style these flags ask for, on top of the corpus's.
        var countdown: CountdownStyle {
            let corpus = CountdownStyle.corpus
            let search = countdownSearch ?? corpus.search
            return CountdownStyle(search: search, columns: search && (countdownColumns ?? corpus.columns),
                                  ledger: search && (countdownLedger ?? corpus.ledger),
                                  shuffle: search && (countdownShuffle ?? corpus.shuffle))
        }

        @Option(help: "Output file (default: standard output).")
        var out: String?

        func validate() throws {
            if repair, responses != .full { throw ValidationError("--repair needs --responses full") }
            if slip, responses != .full { throw ValidationError("--slip needs --responses full") }
            if comparedChecks, responses != .full { throw ValidationError("--compared-checks needs --responses full") }
            if slip, repair { throw ValidationError("--slip and --repair cannot go together: a slip is answered anyway or repaired") }
            let given = [("search", countdownSearch), ("columns", countdownColumns), ("ledger", countdownLedger), ("shuffle", countdownShuffle)]
            if responses != .full, let (name, _) = given.first(where: { $0.1 != nil }) {
                throw ValidationError("--[no-]countdown-\(name) needs --responses full")
            }
            if countdownSearch == false, let (name, _) = given.dropFirst().first(where: { $0.1 == true }) {
                throw ValidationError("--countdown-\(name) needs the search; it cannot go with --no-countdown-search")
            }
            guard family.difficulties.contains(difficulty) else {
                throw ValidationError("--difficulty \(difficulty) is outside \(family.rawValue)'s range \(family.difficulties.lowerBound)...\(family.difficulties.upperBound)")
            }
            guard count >= 0 else { throw ValidationError("--count must be 0 or more, not \(count)") }
        }

        func run() throws {
            if let out, out != "-" { try OutputPath.checkFile(out, flag: "--out") }
            var text = ""
            for p in family.problems(difficulty: difficulty, count: count, seed: seed) {
                if let style = responses {
                    let step = Int(p.id.suffix(6)) ?? 0
                    let checks: CheckForm = comparedChecks ? .compared : .claim
                    let slipped = try repair ? p.repairSolution(step: step, up: true, checks: checks)
                        : slip ? p.slipSolution(step: step, up: true, checks: checks) : nil
                    let response = try slipped ?? p.solution(style: style, countdown: countdown, checks: checks)
                    text += "{\"problem\": \(p.jsonLine), \"response\": \(JSONValue.string(response).serialized)}\n"
                } else {
                    text += p.jsonLine + "\n"
                }
            }
            try writeOutput(text, to: out)
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise a problems file.",
                                                        discussion: "Example: lab problems stats problems/heldout.jsonl")

        @Argument(help: "A JSONL problems file.")
        var file: String

        mutating func run() throws {
            file = try InputPath.resolve(file, what: "FILE")
            let problems = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readProblems(file) }
            print("\(file): \(problems.count) problems, \(Set(problems.map(\.canonicalKey)).count) distinct")
            print("family      count  difficulties      mean question  mean answer")
            for family in Family.allCases {
                let ps = problems.filter { $0.family == family }
                guard !ps.isEmpty else { continue }
                var byDifficulty: [Int: Int] = [:]
                for p in ps { byDifficulty[p.difficulty, default: 0] += 1 }
                let range = "\(byDifficulty.keys.min()!)...\(byDifficulty.keys.max()!) (\(byDifficulty.count))"
                let q = Double(ps.map(\.question.count).reduce(0, +)) / Double(ps.count)
                let a = Double(ps.map(\.answer.count).reduce(0, +)) / Double(ps.count)
                print(family.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + String(ps.count).leftPad(7) + "  " + range.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + String(format: "%14.1f %12.1f", q, a))
            }
        }
    }

    struct Heldout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the held-out set and its manifest (seed, counts, sha256).",
            discussion: "Example: lab problems heldout --seed 7 --per-family 50 --out /tmp/heldout-7.jsonl")

        @Option(help: "Seed of the held-out stream.")
        var seed: UInt64 = HeldoutSet.defaultSeed

        @Option(help: "Problems per family, spread evenly over its standard difficulties.")
        var perFamily = HeldoutSet.defaultPerFamily

        @Option(help: "Output JSONL; the manifest goes beside it as <name>.manifest.json.")
        var out = HeldoutSet.defaultPath

        @Flag(help: "Overwrite \(HeldoutSet.defaultPath) with a set made from other arguments.")
        var force = false

        func validate() throws {
            guard perFamily > 0 else { throw ValidationError("--per-family must be positive, not \(perFamily)") }
            let standard = seed == HeldoutSet.defaultSeed && perFamily == HeldoutSet.defaultPerFamily
            if !standard, !force, URL(fileURLWithPath: out).standardizedFileURL == URL(fileURLWithPath: HeldoutSet.defaultPath).standardizedFileURL {
                throw ValidationError("\(HeldoutSet.defaultPath) is the committed held-out set, made with the default --seed and --per-family; write a different set elsewhere with --out, or pass --force to replace it")
            }
        }

        func run() throws {
            try OutputPath.checkFile(out, flag: "--out")
            let set = HeldoutSet(seed: seed, perFamily: perFamily)
            try AtomicFile.write(set.jsonl, to: out)
            try AtomicFile.write(set.manifest(file: out), to: HeldoutSet.manifestPath(for: out))
            print("wrote \(set.problems.count) problems to \(out) (sha256 \(set.sha256))")
        }
    }

    struct Corpus: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the documents pretraining reads, in its order, as JSONL.",
            discussion: """
            What a base model read: the first documents of the corpus stream that lab pretrain with the same --config trains on (held-out problems excluded), by default all of them (steps × documentsPerStep). Each line: {"family", "style", "wrong", "repair", "text"}; a drill sheet has family and style null.

            Example: lab problems corpus --documents 1000 --out /tmp/corpus.jsonl
            """)

        @Option(help: "JSON file with PretrainParameters fields, as lab pretrain --config takes.")
        var config: String?

        @Option(help: "How many documents (default: the run's steps × documentsPerStep).")
        var documents: Int?

        @Option(help: "Held-out problems, never in the corpus.")
        var heldout = HeldoutSet.defaultPath

        @Option(help: "Output file (default: standard output).")
        var out: String?

        func validate() throws {
            if let documents, documents < 0 { throw ValidationError("--documents must be 0 or more, not \(documents)") }
        }

        func run() throws {
            var p = PretrainParameters()
            if let config { p = try loadJSON(PretrainParameters.self, from: try InputPath.resolve(config, what: "--config"), overriding: p) }
            let heldoutFile = try InputPath.resolve(heldout, what: "--heldout")
            let held = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readProblems(heldoutFile) }
            if let out, out != "-" { try OutputPath.checkFile(out, flag: "--out") }
            var stream = CorpusStream(seed: p.seed, mix: p.mix, excluding: held)
            var text = ""
            for _ in 0..<(documents ?? p.steps * p.documentsPerStep) {
                let d = stream.next()
                text += JSONValue.object(ordered: [
                    ("family", d.problem.map { .string($0.family.rawValue) } ?? .null),
                    ("style", d.style.map { .string($0.rawValue) } ?? .null),
                    ("wrong", .bool(d.isWrong)), ("repair", .bool(d.isRepair)), ("text", .string(d.text)),
                ]) + "\n"
            }
            try writeOutput(text, to: out)
        }
    }
}

extension Family: ExpressibleByArgument {}
extension SolutionStyle: ExpressibleByArgument {}

/// Writes to a file atomically, or to standard output when `path` is nil or "-".
func writeOutput(_ text: String, to path: String?) throws {
    if let path, path != "-" {
        try AtomicFile.write(text, to: path)
    } else {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

extension String {
    func leftPad(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
