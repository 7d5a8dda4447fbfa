// An owned, zero-initialised block of floats with stable address (no copy-on-write, no bounds checks in kernels).

import Glibc

private let hugePage = 1 << 21

/// Heap block of `count` floats, freed on deinit. Kernels take `base` (a raw pointer) directly.
public final class FloatBuffer: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let n = max(count, 1), bytes = n * MemoryLayout<Float>.stride
        // Buffers of 2 MB or more (weights, KV caches, activations) sit on transparent huge pages:
        // decoding reads the whole KV cache every token, and with 4 KB pages most of those reads
        // missed the TLB (measured: +6% sampling tokens/s on `tiny`, +7% on `small`).
        let huge = bytes >= hugePage
        let size = huge ? (bytes + hugePage - 1) / hugePage * hugePage : bytes
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, huge ? hugePage : 64, size) == 0, let p else {
            fatalError("out of memory: cannot allocate \(bytes) bytes")
        }
        if huge { _ = madvise(p, size, MADV_HUGEPAGE) }
        base = p.bindMemory(to: Float.self, capacity: n)
        base.initialize(repeating: 0, count: n)
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { base[i] = v }
    }

    deinit { free(base) }

    /// Sets every element to zero.
    public func zero() { base.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// A copy as an Array (for tests and I/O, not for hot loops).
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}
