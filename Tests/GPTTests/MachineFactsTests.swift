// The warning for OpenBLAS's generic fallback kernel: when it is given, and which kernel it names.
import GPT
import Testing

struct KernelCase: CustomTestStringConvertible, Sendable {
    var core: String
    var forced: Bool
    var flags: Set<String>
    /// The OPENBLAS_CORETYPE the warning names; nil when there must be no warning.
    var advice: String?
    var testDescription: String { "\(core)\(forced ? " (forced)" : "") on \(flags.sorted().joined(separator: ",")) → \(advice ?? "no warning")" }
}

let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
let kernelCases: [KernelCase] = [
    // OpenBLAS 0.3.21 on a Sapphire Rapids Xeon: Prescott, on a CPU with AVX-512 BF16.
    KernelCase(core: "Prescott", forced: false, flags: avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512_bf16"]), advice: "Cooperlake"),
    KernelCase(core: "Prescott", forced: false, flags: avx2.union(["avx512f", "avx512bw", "avx512vl"]), advice: "SkylakeX"),
    KernelCase(core: "Core2", forced: false, flags: avx2, advice: "Haswell"),
    // AVX-512F alone (Knights Landing) is not SkylakeX's set.
    KernelCase(core: "Prescott", forced: false, flags: avx2.union(["avx512f"]), advice: "Haswell"),
    // A kernel that fits, a generic one the user asked for, or a CPU without AVX2: nothing to say.
    KernelCase(core: "Cooperlake", forced: false, flags: avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512_bf16"]), advice: nil),
    KernelCase(core: "Haswell", forced: false, flags: avx2, advice: nil),
    KernelCase(core: "Prescott", forced: true, flags: avx2, advice: nil),
    KernelCase(core: "Prescott", forced: false, flags: ["sse3", "avx"], advice: nil),
]

@Test("the generic-kernel warning", arguments: kernelCases)
func genericKernelWarning(_ c: KernelCase) throws {
    let warning = MachineFacts.kernelWarning(core: c.core, forced: c.forced, flags: c.flags, cpu: "Test CPU")
    if let advice = c.advice {
        let w = try #require(warning)
        #expect(w.contains("OPENBLAS_CORETYPE=\(advice) "))
        #expect(w.contains("generic \(c.core) kernel") && w.contains("(Test CPU)"))
    } else {
        #expect(warning == nil)
    }
}
