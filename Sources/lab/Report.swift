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
        scripts/check-report renders it in headless Chromium and checks the charts.
        """)

    @Argument(help: "Run directory written by lab train.")
    var runDirectory: String

    @Option(help: "HTML file to write (default: RUN_DIR/report.html).")
    var out: String?

    @Option(help: "Traces shown from each of the earliest and the latest step with saved traces.")
    var traces = ReportParameters().tracesPerStep

    @Option(help: "Also write every chart as a standalone SVG file (title, legend, styles) into this directory, e.g. for a README.")
    var svg: String?

    func run() throws {
        var p = ReportParameters()
        p.tracesPerStep = traces
        do { try p.validate() } catch { throw ValidationError("\(error)") }
        let report = try CLIError.runInput({ () throws(InputFileError) in try RunReport.load(RunDirectory(runDirectory), parameters: p) },
                                           hint: "lab report reads the run directory lab train --out wrote (metrics.jsonl, eval.jsonl, samples/)")
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
}
