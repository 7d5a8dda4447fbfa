// Flat-vector arithmetic over parameter-shaped buffers: what conjugate gradient, line searches and
// gradient all-reduces need. Sums are kept in Double so million-element dot products stay exact
// enough to compare.

public enum FlatVector {
    /// Σ a[i]·b[i].
    public static func dot(_ a: FloatBuffer, _ b: FloatBuffer) -> Double {
        precondition(a.count == b.count, "dot of buffers of different sizes")
        var s = 0.0
        var i = 0
        let n = a.count
        while i < n {
            let len = Swift.min(4096, n - i)
            s += Double(GPT.dot(a.base + i, b.base + i, len))
            i += len
        }
        return s
    }

    /// √(Σ a[i]²).
    public static func norm(_ a: FloatBuffer) -> Double { dot(a, a).squareRoot() }

    /// y += alpha · x.
    public static func axpy(_ alpha: Float, _ x: FloatBuffer, _ y: FloatBuffer) {
        precondition(x.count == y.count, "axpy of buffers of different sizes")
        GPT.axpy(alpha, x.base, y.base, x.count)
    }

    /// x *= alpha.
    public static func scale(_ alpha: Float, _ x: FloatBuffer) {
        let p = x.base
        for i in 0..<x.count { p[i] *= alpha }
    }

    /// dst = src.
    public static func copy(_ src: FloatBuffer, to dst: FloatBuffer) {
        precondition(src.count == dst.count, "copy between buffers of different sizes")
        dst.base.update(from: src.base, count: src.count)
    }

    /// A new buffer holding a copy of `x`.
    public static func clone(_ x: FloatBuffer) -> FloatBuffer {
        let c = FloatBuffer(count: x.count)
        copy(x, to: c)
        return c
    }
}
