// `lab bench`: training and sampling throughput of the GPT engine on the peers' tiny and small configs.
import ArgumentParser
import Foundation
import GPT
import RL

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training tokens/s, sampling tokens/s, achieved GFLOP/s and the sgemm peak.",
        discussion: "Build with -c release. Example: swift run -c release lab bench --configs tiny --parts train,sample")

    @Flag(name: .long, help: "Print one JSON object per line per config.")
    var json = false

    @Option(name: .long, help: "Comma-separated configs to run (tiny, small).")
    var configs = "tiny,small"

    @Option(name: .long, help: "BLAS threads.")
    var threads = 2

    @Option(name: .long, help: """
        Parts to measure: train, sample, peak, grpo, gemms, algorithms (one update of each RL algorithm, \
        each in its own process; algo-NAME for one), allreduce (under mpirun, with the MPI build: the \
        gradient sum of --floats values), comma-separated.
        """)
    var parts = "train,sample,peak,grpo"

    @Option(name: .long, help: "Values the allreduce part sums (default: the shipped base's parameter count).")
    var floats = 1_345_440

    func run() throws {
        if parts == "allreduce" { return try Cluster.run("bench") { try allreduce($0) } }
        Cluster.warnIfGenericKernel()
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
        for part in wanted where part.hasPrefix("algo-") {
            guard let name = AlgorithmName(rawValue: String(part.dropFirst(5))) else {
                throw ValidationError("unknown part \(part); hint: algo-NAME with NAME one of \(AlgorithmName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var r = try AlgorithmBenchmark.run(name)
            r.peakRSSMB = ProcessMemory.peakRSSMB()
            try printAlgorithm(r)
        }
        if wanted.contains("algorithms") {
            // One process per algorithm, so each peak resident set is that algorithm's own.
            for name in AlgorithmName.allCases {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0]
                                      : "/proc/self/exe").resolvingSymlinksInPath()
                p.arguments = ["bench", "--parts", "algo-" + name.rawValue, "--threads", String(threads)] + (json ? ["--json"] : [])
                try p.run()
                p.waitUntilExit()
                guard p.terminationStatus == 0 else { throw CLIError(message: "lab bench --parts algo-\(name.rawValue) failed", hint: "run it alone to see why") }
            }
        }
        if !wanted.contains(where: { ["train", "sample", "peak", "grpo", "gemms"].contains($0) }) { return }
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

    func printAlgorithm(_ r: AlgorithmBenchmarkResult) throws {
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(r), as: UTF8.self))
        } else {
            print(String(format: "%@: %.3f s/step (update %.3f s), %.0f completions/s, peak RSS %.0f MB, held: parameters %.1f MB, gradients %.1f MB, optimizer %.1f MB",
                         r.config.padding(toLength: 15, withPad: " ", startingAt: 0) as NSString, r.stepS, r.updateS, r.completionsPerS, r.peakRSSMB ?? 0,
                         Double(r.parameterBytes) / 1e6, Double(r.gradientBytes) / 1e6, Double(r.optimizerBytes) / 1e6))
        }
        fflush(nil)
    }
}

extension Bench {
    /// The median time of one MPI_Allreduce of `floats` Float32 values over the job's ranks, each
    /// call after a barrier so that no rank waits for another's arrival: the transfer alone.
    func allreduce(_ comm: any Communicator) throws {
        guard comm.size > 1 else {
            throw CLIError(message: "the allreduce part needs several ranks", hint: "run it as mpirun -np 2 .build/mpi/release/lab bench --parts allreduce (make mpi builds it)")
        }
        guard floats > 0 else { throw ValidationError("--floats must be positive") }
        let buffer = FloatBuffer(count: floats)
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<30 {
            comm.barrier()
            let t0 = clock.now
            comm.sum(buffer)
            times.append((clock.now - t0) / .seconds(1))
        }
        let median = times.sorted()[times.count / 2]
        if comm.isRoot {
            print(String(format: "allreduce of %d floats (%.2f MB) over %d ranks: median %.2f ms, %.2f GB/s of buffer",
                         floats, Double(floats * 4) / 1e6, comm.size, median * 1e3, Double(floats * 4) / median / 1e9))
        }
    }
}
