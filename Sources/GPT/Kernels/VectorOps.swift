// Small vector reductions shared by the kernels. Float reductions in plain loops do not vectorise
// (strict FP order), so these keep eight-lane partial sums explicitly.

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inline(__always)
func hsum(_ v: SIMD8<Float>) -> Float {
    let a = v.lowHalf + v.highHalf
    return (a[0] + a[2]) + (a[1] + a[3])
}

/// Σ p[i] over n floats.
@inline(__always)
func vsum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n { acc += load8(p + i); i += 8 }
    var s = hsum(acc)
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Σ a[i]·b[i] over n floats.
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(repeating: 0), acc1 = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 16 <= n {
        acc0 += load8(a + i) * load8(b + i)
        acc1 += load8(a + i + 8) * load8(b + i + 8)
        i += 16
    }
    if i + 8 <= n { acc0 += load8(a + i) * load8(b + i); i += 8 }
    var s = hsum(acc0 + acc1)
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// Σ (p[i] − m)² over n floats.
@inline(__always)
func vsumSquaredDiff(_ p: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let mv = SIMD8<Float>(repeating: m)
    var i = 0
    while i + 8 <= n { let d = load8(p + i) - mv; acc += d * d; i += 8 }
    var s = hsum(acc)
    while i < n { let d = p[i] - m; s += d * d; i += 1 }
    return s
}

/// max p[i] over n ≥ 1 floats (eight lanes, then the lanes and the tail; max is exact in any order).
@inline(__always)
func vmax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = p[0]
    var i = 0
    if n >= 8 {
        var acc = load8(p)
        i = 8
        while i + 8 <= n { let v = load8(p + i); acc.replace(with: v, where: v .> acc); i += 8 }
        let h = acc.lowHalf.replacing(with: acc.highHalf, where: acc.highHalf .> acc.lowHalf)
        m = Swift.max(Swift.max(h[0], h[1]), Swift.max(h[2], h[3]))
    }
    while i < n { m = Swift.max(m, p[i]); i += 1 }
    return m
}

/// p[i] = exp(p[i] − shift) for n floats; returns their sum.
@inline(__always)
func vexpShiftSum(_ p: UnsafeMutablePointer<Float>, _ shift: Float, _ n: Int) -> Float {
    for i in 0..<n { p[i] = expApprox(p[i] - shift) }
    return vsum(p, n)
}

/// y += a·x over n floats.
@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { y[i] += a * x[i] }
}
