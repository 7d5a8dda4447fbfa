// Exact GELU, x·Φ(x) = x·½(1 + erf(x/√2)), with an erf that vectorises (Eigen's rational approximation,
// a few ulp in float) and exp (Cephes), because libm's scalar erff/expf dominated decode time.
// The helpers are branch-free scalar code so LLVM's loop vectoriser turns the loops into SIMD.
// Shapes: N elements (B×T×4C).

// MARK: - Vectorisable math

/// erf(x): x·P(x²)/Q(x²) on [-4, 4] (float erf is ±1 beyond).
@inline(__always)
func erfApprox(_ a: Float) -> Float {
    let x = Swift.min(Swift.max(a, -4), 4)
    let x2 = x * x
    var p: Float = -2.72614225801306e-10
    p = p * x2 + 2.77068142495902e-08
    p = p * x2 - 2.10102402082508e-06
    p = p * x2 - 5.69250639462346e-05
    p = p * x2 - 7.34990630326855e-04
    p = p * x2 - 2.95459980854025e-03
    p = p * x2 - 1.60960333262415e-02
    var q: Float = -1.45660718464996e-05
    q = q * x2 - 2.13374055278905e-04
    q = q * x2 - 1.68282697438203e-03
    q = q * x2 - 7.37332916720468e-03
    q = q * x2 - 1.42647390514189e-02
    return x * p / q
}

/// exp(x) (Cephes expf: reduce by ln 2 with round-to-nearest via the 1.5·2²³ trick, degree-5 polynomial,
/// scale by 2ⁿ through the exponent bits). Inputs below −87 give ≈0 rather than denormals.
@inline(__always)
func expApprox(_ a: Float) -> Float {
    let x0 = Swift.min(Swift.max(a, -87), 88)
    let t = x0 * 1.44269504088896341 + 12_582_912.0
    let fx = t - 12_582_912.0
    let n = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
    var x = x0 - fx * 0.693359375
    x = x + fx * 2.12194440e-4
    let z = x * x
    var y: Float = 1.9875691500E-4
    y = y * x + 1.3981999507E-3
    y = y * x + 8.3334519073E-3
    y = y * x + 4.1665795894E-2
    y = y * x + 1.6666665459E-1
    y = y * x + 5.0000001201E-1
    y = y * z + x + 1
    return y * Float(bitPattern: UInt32(bitPattern: (n &+ 127) &<< 23))
}

private let invSqrt2: Float = 0.70710678118654752
private let invSqrt2Pi: Float = 0.39894228040143268

// MARK: - Forward / backward

/// out (N) = GELU(inp (N)), exact (erf) form.
public func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + erfApprox(x * invSqrt2))
    }
}

/// dinp (N) += dout · GELU′(inp) with GELU′(x) = Φ(x) + x·φ(x).
public func geluBackward(_ dinp: UnsafeMutablePointer<Float>,
                         _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N {
        let x = inp[i]
        let cdf = 0.5 * (1 + erfApprox(x * invSqrt2))
        let pdf = expApprox(-0.5 * x * x) * invSqrt2Pi
        dinp[i] += dout[i] * (cdf + x * pdf)
    }
}
