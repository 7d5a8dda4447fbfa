// RL's Communicator over Open MPI (MPI_COMM_WORLD): what `mpirun -np N lab train|pretrain` runs
// on. Compiled only with the package's MPI trait; without it this module is empty and the lab
// needs no MPI. MPI's own error handler stays MPI_ERRORS_ARE_FATAL: a failed collective ends the
// job with MPI's message rather than returning a code nobody checks.
#if MPI
import CMPI
import Foundation
import RL

public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private var seconds = 0.0
    private var bytes = 0
    private var finished = false

    /// Joins the job mpirun started (MPI_Init_thread: only the main thread calls MPI, the model's
    /// worker threads never do).
    public init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, lab_mpi_thread_funneled(), &provided)
        var r: Int32 = 0, n: Int32 = 0
        MPI_Comm_rank(lab_mpi_comm_world(), &r)
        MPI_Comm_size(lab_mpi_comm_world(), &n)
        rank = Int(r)
        size = Int(n)
    }

    public var traffic: (seconds: Double, bytes: Int) { (seconds, bytes) }

    private func timed(_ count: Int, _ body: () -> Void) {
        let clock = ContinuousClock(), t0 = clock.now
        body()
        seconds += (clock.now - t0) / .seconds(1)
        bytes += count
    }

    /// MPI counts are 32-bit: larger buffers go in pieces.
    private static let piece = 1 << 28

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) { allreduce(values, lab_mpi_float()) }
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) { allreduce(values, lab_mpi_double()) }

    /// MPI_Allreduce(MPI_SUM) in place, in pieces of at most `piece` values.
    private func allreduce<T>(_ values: UnsafeMutableBufferPointer<T>, _ type: MPI_Datatype) {
        guard let base = values.baseAddress, size > 1 else { return }
        timed(values.count * MemoryLayout<T>.stride) {
            for start in stride(from: 0, to: values.count, by: Self.piece) {
                MPI_Allreduce(lab_mpi_in_place(), base + start, Int32(min(Self.piece, values.count - start)), type, lab_mpi_sum(), lab_mpi_comm_world())
            }
        }
    }

    public func gather(_ mine: [UInt8]) -> [[UInt8]] {
        var counts = [Int32](repeating: 0, count: size)
        var out: [[UInt8]] = []
        timed(mine.count) {
            var n = Int32(mine.count)
            MPI_Allgather(&n, 1, lab_mpi_int(), &counts, 1, lab_mpi_int(), lab_mpi_comm_world())
            var offsets = [Int32](repeating: 0, count: size)
            for r in 1..<size { offsets[r] = offsets[r - 1] + counts[r - 1] }
            let total = Int(offsets[size - 1] + counts[size - 1])
            var all = [UInt8](repeating: 0, count: max(1, total))
            mine.withUnsafeBufferPointer { m in
                all.withUnsafeMutableBufferPointer { a in
                    _ = MPI_Allgatherv(m.baseAddress, n, lab_mpi_byte(), a.baseAddress, &counts, &offsets, lab_mpi_byte(), lab_mpi_comm_world())
                }
            }
            out = (0..<size).map { r in Array(all[Int(offsets[r])..<Int(offsets[r] + counts[r])]) }
        }
        return out
    }

    public func abort(code: Int32) -> Never {
        MPI_Abort(lab_mpi_comm_world(), code)
        exit(code)
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        MPI_Finalize()
    }
}
#endif
