// An owned, zero-initialised block of floats with stable address (no copy-on-write, no bounds checks in kernels).

/// Heap block of `count` floats, freed on deinit. Kernels take `base` (a raw pointer) directly.
public final class FloatBuffer: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { base[i] = v }
    }

    deinit { base.deallocate() }

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
