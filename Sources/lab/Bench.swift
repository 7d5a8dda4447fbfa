// `lab bench`: training and sampling throughput of the GPT engine on the peers' tiny and small configs.
import ArgumentParser
import Foundation
import GPT
import RL

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training tokens/s, sampling tokens/s, achieved GFLOP/s and the sgemm peak.")

    @Flag(name: .long, help: "Print one JSON object per line per config.")
    var json = false

    @Option(name: .long, help: "Comma-separated configs to run (tiny, small).")
    var configs = "tiny,small"

    @Option(name: .long, help: "BLAS threads.")
    var threads = 2

    @Option(name: .long, help: "Parts to measure: train, sample, peak, grpo, gemms (comma-separated).")
    var parts = "train,sample,peak,grpo"

    func run() throws {
        BLAS.setThreads(threads)
        var setups: [BenchmarkSetup] = []
        for name in configs.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch name {
            case "tiny": setups.append(.tiny)
            case "small": setups.append(.small)
            case "grpo-tiny": continue
            default: throw ValidationError("unknown config \(name); hint: use tiny or small")
            }
        }
        let wanted = Set(parts.split(separator: ",").map(String.init))
        let peak = wanted.contains("peak") ? Benchmark.sgemmPeak() : 0
        if !json {
            print(String(format: "sgemm peak (%d threads): %.1f GFLOP/s", threads, peak))
            print("config   params      train tok/s  GFLOP/s  step ms (fwd/bwd/adam)      sample tok/s")
        }
        for s in setups {
            if wanted.contains("gemms") {
                for (name, g) in Benchmark.gemmProfile(s) { print(String(format: "%@ %-40@ %7.1f GFLOP/s", s.name, name, g)) }
            }
            if !wanted.contains("train") && !wanted.contains("sample") { continue }
            let r = Benchmark.run(s, peak: peak, train: wanted.contains("train"), sample: wanted.contains("sample"))
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                // Parts left out are NaN, which plain JSON cannot carry.
                enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "NaN")
                print(String(decoding: try enc.encode(r), as: UTF8.self))
            } else {
                print(String(format: "%@ %-11d %11.0f  %7.1f  %6.1f (%.1f/%.1f/%.1f)  %14.0f",
                             r.config.padding(toLength: 8, withPad: " ", startingAt: 0) as NSString, r.params, r.trainTokensPerS, r.trainGflops,
                             r.trainStepMedianS * 1e3, r.fwdS * 1e3, r.bwdClipS * 1e3, r.adamwS * 1e3,
                             r.sampleTokensPerS))
                if wanted.contains("sample") { print(String(format: "         sample call: %.1f ms wall, %.1f ms CPU", r.sampleCallMedianS * 1e3, Benchmark.lastSampleCPU * 1e3)) }
            }
        }
        if wanted.contains("grpo") {
            let g = try AlgorithmBenchmark.grpoTiny()
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(g), as: UTF8.self))
            } else {
                print(String(format: "grpo-tiny: %.3f s/step, %.0f completions/s, %.0f completion tokens/s (mean length %.1f)",
                             g.stepS, g.completionsPerS, g.completionTokensPerS, g.meanCompletionLength))
            }
        }
    }
}
