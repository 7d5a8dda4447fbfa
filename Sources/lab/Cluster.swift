// The ranks of `mpirun -np N lab train|pretrain`, or one process. A lab built without the MPI
// trait refuses to run under mpirun (N copies of one run writing the same files); a lab built with
// it runs as one process when mpirun did not start it.
import ArgumentParser
import Foundation
import GPT
import RL
#if MPI
import LabMPI
#endif

enum Cluster {
    /// The job's size as the launcher announces it (Open MPI, or MPICH/PMI), 1 when none did.
    static var launchedSize: Int {
        let env = ProcessInfo.processInfo.environment
        return (env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"]).flatMap { Int($0) } ?? 1
    }

    /// Says on standard error (once per job: rank 0 only) when OpenBLAS runs a generic kernel
    /// it fell back to on a CPU it does not recognise (`MachineFacts.kernelWarning`).
    static func warnIfGenericKernel() {
        let env = ProcessInfo.processInfo.environment
        guard (env["OMPI_COMM_WORLD_RANK"] ?? env["PMI_RANK"] ?? "0") == "0", let warning = MachineFacts.current().kernelWarning else { return }
        FileHandle.standardError.write(Data((warning + "\n").utf8))
    }

    /// Runs `body` on this rank. With several ranks: each rank gets the share of the machine's
    /// cores its launcher put on it (cores / ranks on this host, at least one thread, for both the
    /// model's worker threads and OpenBLAS); an error on any rank is printed with its rank and
    /// brings the whole job down (MPI_Abort) rather than leaving the others waiting.
    static func run(_ command: String, _ body: (any Communicator) throws -> Void) throws {
        warnIfGenericKernel()
        let size = launchedSize
        #if MPI
        guard size > 1 else { return try body(SingleProcess()) }
        let comm = MPICommunicator()
        let env = ProcessInfo.processInfo.environment
        let local = env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? comm.size
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, local))
        Parallelism.threads = threads
        BLAS.setThreads(threads)
        do {
            try body(comm)
        } catch {
            let message = Lab.message(for: error)
            FileHandle.standardError.write(Data("lab \(command): rank \(comm.rank) of \(comm.size): error: \(message)\n".utf8))
            comm.abort(code: 1)
        }
        comm.finish()
        #else
        if size > 1 {
            throw CLIError(message: "lab \(command) was started as \(size) processes (mpirun), but this lab was built without MPI",
                           hint: "build it with `swift build -c release --traits MPI` (or `make mpi`) and run .build/release/lab under mpirun")
        }
        try body(SingleProcess())
        #endif
    }
}
