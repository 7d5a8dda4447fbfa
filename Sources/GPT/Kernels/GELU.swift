// Exact GELU, x·Φ(x) = x·½(1 + erf(x/√2)), with a vectorised erf (Eigen's rational approximation,
// a few ulp in float) and exp (Cephes), because libm's scalar erff dominated decode time.
// Shapes: N elements (B×T×4C).

// MARK: - Vector math

typealias F8 = SIMD8<Float>

/// erf(x) for 8 lanes: x·P(x²)/Q(x²) on [-4, 4] (float erf is ±1 beyond).
@inline(__always)
func erf8(_ a: F8) -> F8 {
    let x = a.clamped(lowerBound: F8(repeating: -4), upperBound: F8(repeating: 4))
    let x2 = x * x
    var p = F8(repeating: -2.72614225801306e-10)
    p = p * x2 + 2.77068142495902e-08
    p = p * x2 - 2.10102402082508e-06
    p = p * x2 - 5.69250639462346e-05
    p = p * x2 - 7.34990630326855e-04
    p = p * x2 - 2.95459980854025e-03
    p = p * x2 - 1.60960333262415e-02
    p = p * x
    var q = F8(repeating: -1.45660718464996e-05)
    q = q * x2 - 2.13374055278905e-04
    q = q * x2 - 1.68282697438203e-03
    q = q * x2 - 7.37332916720468e-03
    q = q * x2 - 1.42647390514189e-02
    return p / q
}

/// exp(x) for 8 lanes (Cephes expf: range reduction by ln 2, degree-5 polynomial, scale by 2ⁿ).
@inline(__always)
func exp8(_ a: F8) -> F8 {
    let x0 = a.clamped(lowerBound: F8(repeating: -87.3), upperBound: F8(repeating: 88.3))
    let fx = (x0 * 1.44269504088896341 + 0.5).rounded(.down)
    var x = x0 - fx * 0.693359375
    x = x + fx * 2.12194440e-4
    let z = x * x
    var y = F8(repeating: 1.9875691500E-4)
    y = y * x + 1.3981999507E-3
    y = y * x + 8.3334519073E-3
    y = y * x + 4.1665795894E-2
    y = y * x + 1.6666665459E-1
    y = y * x + 5.0000001201E-1
    y = y * z + x + 1
    let n = SIMD8<Int32>(fx, rounding: .towardZero) &+ 127
    let pow2 = unsafeBitCast(n &<< 23, to: F8.self)
    return y * pow2
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> F8 {
    UnsafeRawPointer(p).loadUnaligned(as: F8.self)
}

@inline(__always)
private func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
}

private let invSqrt2: Float = 0.70710678118654752
private let invSqrt2Pi: Float = 0.39894228040143268

// MARK: - Forward / backward

/// out (N) = GELU(inp (N)), exact (erf) form.
public func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ N: Int) {
    var i = 0
    while i + 8 <= N {
        let x = load8(inp + i)
        store8(0.5 * x * (1 + erf8(x * invSqrt2)), out + i)
        i += 8
    }
    if i < N {
        // Tail through the same vector code, so every element gets the same approximation.
        var x = F8(repeating: 0)
        for k in 0..<(N - i) { x[k] = inp[i + k] }
        let y = 0.5 * x * (1 + erf8(x * invSqrt2))
        for k in 0..<(N - i) { out[i + k] = y[k] }
    }
}

/// dinp (N) += dout · GELU′(inp) with GELU′(x) = Φ(x) + x·φ(x).
public func geluBackward(_ dinp: UnsafeMutablePointer<Float>,
                         _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, _ N: Int) {
    var i = 0
    while i + 8 <= N {
        let x = load8(inp + i)
        let cdf = 0.5 * (1 + erf8(x * invSqrt2))
        let pdf = exp8(-0.5 * x * x) * invSqrt2Pi
        store8(load8(dinp + i) + load8(dout + i) * (cdf + x * pdf), dinp + i)
        i += 8
    }
    if i < N {
        var x = F8(repeating: 0)
        for k in 0..<(N - i) { x[k] = inp[i + k] }
        let cdf = 0.5 * (1 + erf8(x * invSqrt2))
        let pdf = exp8(-0.5 * x * x) * invSqrt2Pi
        let g = cdf + x * pdf
        for k in 0..<(N - i) { dinp[i + k] += dout[i + k] * g[k] }
    }
}
