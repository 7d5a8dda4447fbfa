// swift-tools-version:6.1
// lab: DeepSeek-R1-Zero in miniature on a CPU. Concept modules, thin CLI, C at the edges
// (see ../shared/DESIGN.md §2).
import PackageDescription

// The model's kernels are SIMD8 code: on x86-64 build them for AVX2 (Haswell, 2013, and later), where
// a SIMD8<Float> is one 256-bit operation instead of two SSE ones. No FMA contraction is enabled, so the
// arithmetic, and every result, is the same as the baseline build's.
#if arch(x86_64)
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let kernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "lab",
    products: [
        .executable(name: "lab", targets: ["lab"]),
        .library(name: "Exact", targets: ["Exact"]),
        .library(name: "Tasks", targets: ["Tasks"]),
        .library(name: "GPT", targets: ["GPT"]),
        .library(name: "RL", targets: ["RL"]),
    ],
    // Off by default: the single-process build needs no MPI. `swift build -c release --traits MPI`
    // (or `make mpi`) builds a lab that runs data-parallel under `mpirun -np N`.
    traits: [
        .trait(name: "MPI", description: "Data-parallel lab train and lab pretrain over Open MPI (libopenmpi-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, each behind a module map; only one Swift file imports each.
        .systemLibrary(name: "CGMP", pkgConfig: "gmp", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),

        // The one seeded random generator, shared by problem generation and the model.
        .target(name: "Seeds"),
        // Exact rationals over GMP and the bounded expression parser.
        .target(name: "Exact", dependencies: ["CGMP"]),
        // Problem families, worked solutions, verifier, rewards, step checker. Knows nothing of models.
        .target(name: "Tasks", dependencies: ["Exact", "Seeds"]),
        // Character GPT, kernels on OpenBLAS, AdamW, sampler, checkpoints. Knows nothing of problems.
        .target(name: "GPT", dependencies: ["CBLAS", "Seeds"], swiftSettings: kernelSettings),
        // Pretraining, rollouts, GRPO, evaluation: the only library that joins Tasks and GPT.
        // Exact arithmetic stays behind the verifier (Tasks): RL compares answers by its keys.
        .target(name: "RL", dependencies: ["Tasks", "GPT"]),
        // RL's Communicator over Open MPI; empty unless the MPI trait is on.
        .target(name: "LabMPI", dependencies: ["RL", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        // The thin command-line front end.
        .executableTarget(name: "lab", dependencies: [
            "Exact", "Tasks", "GPT", "RL",
            .target(name: "LabMPI", condition: .when(traits: ["MPI"])),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ExactTests", dependencies: ["Exact"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "Exact", "Seeds"]),
        .testTarget(name: "GPTTests", dependencies: ["GPT"]),
        .testTarget(name: "RLTests", dependencies: ["RL", "Tasks", "GPT"]),
        .testTarget(name: "LabCLITests", dependencies: ["Tasks", "GPT"]),
    ]
)
