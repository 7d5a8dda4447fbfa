// Coarse parallelism: split independent work (batch halves, sequence groups) across CPU threads, each
// running single-threaded BLAS. One fork-join per training step or sampling call instead of one per op.
import Dispatch

/// How many worker threads the model uses for data-parallel work (2 on the target machine).
public enum Parallelism {
    nonisolated(unsafe) public static var threads: Int = 2
}

/// Runs `body(0..<n)` concurrently. BLAS is switched to one thread inside, so the parts do not
/// oversubscribe the cores, and restored afterwards.
func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    if n <= 1 { body(0); return }
    let saved = BLAS.threads
    BLAS.setThreads(1)
    // The parts touch disjoint memory by construction; the box only tells the compiler so.
    withoutActuallyEscaping(body) { escaping in
        let box = UncheckedSendable(escaping)
        DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
    }
    BLAS.setThreads(saved)
}

/// Splits 0..<count into `parts` contiguous ranges of near-equal size.
func split(_ count: Int, into parts: Int) -> [Range<Int>] {
    (0..<parts).map { i in (count * i / parts)..<(count * (i + 1) / parts) }.filter { !$0.isEmpty }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
