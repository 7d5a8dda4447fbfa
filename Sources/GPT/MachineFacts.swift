// What a run's floating-point results depend on besides its seed: the CPU, the BLAS library and
// the kernel it picked for that CPU (OPENBLAS_CORETYPE can force another), its thread count, and the
// SIMD target the model's own kernels were built for. Recorded in config.json and meta.json, and
// compared on resume, so a run says what it can be reproduced on.
import CBLAS
import Foundation

public struct MachineFacts: Codable, Equatable, Sendable {
    /// /proc/cpuinfo's model name.
    public var cpu: String
    /// OpenBLAS's build description (version, options, the core it was built or dispatched for).
    public var blas: String
    /// The kernel OpenBLAS runs on this CPU.
    public var blasCore: String
    public var blasThreads: Int
    /// The model's own worker threads (`Parallelism.threads`): the batch is split between them.
    public var workerThreads: Int
    /// OPENBLAS_CORETYPE when the environment forces a kernel ("" when not set).
    public var blasCoretypeOverride: String
    /// What the model's SIMD kernels were compiled for (Package.swift).
    public var simd: String

    public init(cpu: String, blas: String, blasCore: String, blasThreads: Int, workerThreads: Int, blasCoretypeOverride: String, simd: String) {
        self.cpu = cpu; self.blas = blas; self.blasCore = blasCore; self.blasThreads = blasThreads
        self.workerThreads = workerThreads; self.blasCoretypeOverride = blasCoretypeOverride; self.simd = simd
    }

    /// This process's facts, now.
    public static func current() -> MachineFacts {
        let cpu = cpuinfo("model name") ?? "unknown"
        #if arch(x86_64)
        let simd = "x86-64, kernels built for Haswell (AVX2), no FMA contraction"
        #else
        let simd = "baseline of the target architecture"
        #endif
        return MachineFacts(cpu: cpu, blas: BLAS.configDescription.trimmingCharacters(in: .whitespaces),
                            blasCore: openblas_get_corename().map { String(cString: $0) } ?? "unknown",
                            blasThreads: BLAS.threads, workerThreads: Parallelism.threads, blasCoretypeOverride: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "",
                            simd: simd)
    }

    /// A warning when OpenBLAS fell back to one of its generic kernels on a CPU that has AVX2:
    /// its build does not know the CPU's model (OpenBLAS 0.3.21 on Intel's Sapphire Rapids
    /// picks Prescott, an SSE3 kernel), so matrix products run several times slower than they
    /// could and give other bits than the AVX2 and AVX-512 kernels. Names the OPENBLAS_CORETYPE
    /// that fits the CPU's flags. Nil when the kernel is not a generic one, when the environment
    /// forced it, or when the CPU has no AVX2.
    public var kernelWarning: String? {
        let flags = Set(Self.cpuFlags())
        return Self.kernelWarning(core: blasCore, forced: !blasCoretypeOverride.isEmpty, flags: flags, cpu: cpu)
    }

    static let genericKernels: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai"]

    /// `kernelWarning` from its inputs (the tests give them).
    public static func kernelWarning(core: String, forced: Bool, flags: Set<String>, cpu: String) -> String? {
        guard !forced, genericKernels.contains(core), flags.contains("avx2") else { return nil }
        let fit = flags.contains("avx512_bf16") ? "Cooperlake"
            : flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) ? "SkylakeX" : "Haswell"
        return "warning: OpenBLAS runs its generic \(core) kernel on this CPU (\(cpu)), which its build does not recognise: "
            + "matrix products are several times slower than they could be. This CPU has "
            + (fit == "Haswell" ? "AVX2" : "AVX-512") + "; OPENBLAS_CORETYPE=\(fit) picks the kernel that fits it "
            + "(runs record the kernel, and only runs on the same kernel agree bit for bit)"
    }

    /// /proc/cpuinfo's flags of the first CPU (empty where there is none).
    static func cpuFlags() -> [String] {
        (cpuinfo("flags") ?? "").split(separator: " ").map(String.init)
    }

    /// The value of the first CPU's `key` line in /proc/cpuinfo (nil where there is none).
    static func cpuinfo(_ key: String) -> String? {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix(key) }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
    }

    /// The facts as meta.json extras (`machine.cpu`, …).
    public var extras: [String: String] {
        ["machine.cpu": cpu, "machine.blas": blas, "machine.blas_core": blasCore, "machine.blas_threads": String(blasThreads),
         "machine.worker_threads": String(workerThreads),
         "machine.blas_coretype_override": blasCoretypeOverride, "machine.simd": simd]
    }

    /// Read back from meta.json extras (nil when a checkpoint predates them).
    public init?(extras e: [String: String]) {
        guard let cpu = e["machine.cpu"], let blas = e["machine.blas"], let core = e["machine.blas_core"],
              let threads = e["machine.blas_threads"].flatMap({ Int($0) }), let workers = e["machine.worker_threads"].flatMap({ Int($0) }),
              let simd = e["machine.simd"] else { return nil }
        self.init(cpu: cpu, blas: blas, blasCore: core, blasThreads: threads, workerThreads: workers, blasCoretypeOverride: e["machine.blas_coretype_override"] ?? "", simd: simd)
    }

    /// What differs from `other` that changes float results, in words (empty when nothing does). The
    /// CPU's name alone does not: the same BLAS kernel and build give the same bits on another model.
    public func differences(from other: MachineFacts) -> [String] {
        var out: [String] = []
        if blasCore != other.blasCore { out.append("OpenBLAS kernel \(other.blasCore) here, \(blasCore) then") }
        if blas != other.blas { out.append("OpenBLAS build \"\(other.blas)\" here, \"\(blas)\" then") }
        if blasThreads != other.blasThreads { out.append("\(other.blasThreads) BLAS threads here, \(blasThreads) then") }
        if workerThreads != other.workerThreads { out.append("\(other.workerThreads) worker threads here, \(workerThreads) then") }
        if simd != other.simd { out.append("kernels built for \(other.simd) here, \(simd) then") }
        if cpu != other.cpu && !out.isEmpty { out.append("CPU \(other.cpu) here, \(cpu) then") }
        return out
    }
}
