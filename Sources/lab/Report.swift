// `lab report`: one self-contained HTML file of a run's curves and sampled traces.
import ArgumentParser
import Foundation
import RL
import Tasks

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report: held-out accuracy and length against step, training curves, sampled traces.",
        discussion: """
        One self-contained HTML file (inline SVG and CSS; nothing is fetched, no script runs). \
        With several run directories, one page overlays their held-out accuracy and length against the \
        number of sampled responses, with lab compare's table. \
        scripts/check-report renders it in headless Chromium and checks the charts.

        Examples:
          lab report checkpoints/r1zero
          lab report checkpoints/compare/ppo checkpoints/compare/rloo --out compare.html
        """)

    @Argument(help: "Run directories written by lab train (several: their curves overlaid).")
    var runDirectories: [String]

    @Option(help: "HTML file to write (default: RUN_DIR/report.html; for several runs, compare.html).")
    var out: String?

    @Option(help: "Traces shown from each of the earliest and the latest step with saved traces.")
    var traces = ReportParameters().tracesPerStep

    @Option(help: "A `lab eval --samples K --json` file: chart its pass@k against k, per family, a line per checkpoint.")
    var eval: String?

    @Option(help: "Also write every chart as a standalone SVG file (title, legend, styles) into this directory, e.g. for a README.")
    var svg: String?

    func validate() throws {
        var p = ReportParameters()
        p.tracesPerStep = traces
        do { try p.validate() } catch { throw ValidationError("\(error)") }
    }

    mutating func run() throws {
        runDirectories = try InputPath.resolve(runDirectories, what: "RUN_DIR")
        if let e = eval { eval = try InputPath.resolve(e, what: "--eval") }
        if let out { try OutputPath.checkFile(out, flag: "--out") }
        if let svg { try OutputPath.checkDirectory(svg, flag: "--svg") }
        guard runDirectories.count == 1 else { return try overlay() }
        let runDirectory = runDirectories[0]
        var p = ReportParameters()
        p.tracesPerStep = traces
        var report = try CLIError.runInput({ () throws(InputFileError) in try RunReport.load(RunDirectory(runDirectory), parameters: p) },
                                           hint: "lab report reads the run directory lab train --out wrote (metrics.jsonl, eval.jsonl, samples/)")
        if let eval {
            guard let text = try? String(contentsOfFile: eval, encoding: .utf8) else {
                throw CLIError(message: "cannot read \(eval)", hint: "--eval takes the file lab eval --json wrote")
            }
            guard case let .array(objects)? = try? JSONValue.parse(text), objects.contains(where: { $0["pass@k_curve"] != nil }) else {
                throw CLIError(message: "\(eval): expected the JSON array lab eval --json writes, with pass@k_curve (from --samples 2 or more)",
                               hint: "lab eval CHECKPOINT --samples 64 --json FILE")
            }
            report.passCurves = objects
        }
        let path = out ?? runDirectory + "/report.html"
        try AtomicFile.write(report.html, to: path)
        print("wrote \(path)")
        if let svg {
            try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
            for id in report.chartIDs {
                try AtomicFile.write(report.standaloneSVG(chart: id)!, to: svg + "/" + id + ".svg")
            }
            print("wrote \(report.chartIDs.count) charts to \(svg)/")
        }
    }

    /// Several runs on one page.
    func overlay() throws {
        guard !runDirectories.isEmpty else { throw ValidationError("give at least one run directory") }
        let runs = try runDirectories.map { dir in
            do { return try RunSummary.load(dir) } catch {
                throw CLIError(message: "\(error)", hint: "lab report reads the run directories lab train --out wrote (config.json, metrics.jsonl, eval.jsonl)")
            }
        }
        let path = out ?? "compare.html"
        try AtomicFile.write(Comparison.html(runs), to: path)
        print("wrote \(path)")
        if let svg {
            try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
            for id in Comparison.chartIDs { try AtomicFile.write(Comparison.standaloneSVG(id, runs), to: svg + "/" + id + ".svg") }
            print("wrote \(Comparison.chartIDs.count) charts to \(svg)/")
        }
    }
}

/// `lab compare`: the Markdown table of several runs.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Markdown table of several runs: held-out result, length, time split, memory.",
        discussion: """
        Reads each run directory's config.json, metrics.jsonl and eval.jsonl (scripts/compare-algorithms makes the runs).

        Example: lab compare checkpoints/r1zero checkpoints/compare/ppo --markdown table.md
        """)

    @Argument(help: "Run directories written by lab train.")
    var runDirectories: [String]

    @Option(help: "Also write the table to this file.")
    var markdown: String?

    mutating func run() throws {
        guard !runDirectories.isEmpty else { throw ValidationError("give at least one run directory") }
        runDirectories = try InputPath.resolve(runDirectories, what: "RUN_DIR")
        if let markdown { try OutputPath.checkFile(markdown, flag: "--markdown") }
        let runs = try runDirectories.map { dir in
            do { return try RunSummary.load(dir) } catch {
                throw CLIError(message: "\(error)", hint: "lab compare reads the run directories lab train --out wrote")
            }
        }
        let table = Comparison.markdown(runs)
        print(table, terminator: "")
        if let markdown { try AtomicFile.write(table, to: markdown) }
    }
}
