// LayerNorm over channels with gain and bias (eps 1e-5, as PyTorch).
// Shapes: N rows (B×T), C channels.

/// out (N,C) = (inp − mean) · rstd · weight + bias; saves mean (N) and rstd (N) for backward.
public func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>?,
                             _ rstd: UnsafeMutablePointer<Float>?,
                             _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                             _ bias: UnsafePointer<Float>?, _ N: Int, _ C: Int) {
    let eps = GPTConfig.layerNormEpsilon
    for r in 0..<N {
        let x = inp + r * C
        let m = vsum(x, C) / Float(C)
        let v = vsumSquaredDiff(x, m, C) / Float(C)
        let s = 1 / (v + eps).squareRoot()
        let o = out + r * C
        if let bias {
            for i in 0..<C { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
        } else {
            for i in 0..<C { o[i] = (x[i] - m) * s * weight[i] }
        }
        mean?[r] = m
        rstd?[r] = s
    }
}

/// Accumulates dinp (N,C), dweight (C), dbias (C) from dout (N,C), using the saved mean and rstd.
public func layerNormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
                              _ dbias: UnsafeMutablePointer<Float>?,
                              _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                              _ weight: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
                              _ rstd: UnsafePointer<Float>, _ N: Int, _ C: Int) {
    for r in 0..<N {
        let d = dout + r * C, x = inp + r * C, dx = dinp + r * C
        let m = mean[r], s = rstd[r]
        // Two reductions: mean of dnorm and mean of dnorm·norm.
        // Σ w·d and Σ w·d·x̂ with x̂ = (x − m)·s; Σ w·d·x̂ = s·(Σ w·d·x − m·Σ w·d).
        var a0 = SIMD8<Float>(repeating: 0), a1 = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= C {
            let dn = load8(weight + i) * load8(d + i)
            a0 += dn
            a1 += dn * load8(x + i)
            i += 8
        }
        var sdn = hsum(a0), sdnx = hsum(a1)
        while i < C { let dn = weight[i] * d[i]; sdn += dn; sdnx += dn * x[i]; i += 1 }
        let dnormMean = sdn / Float(C)
        let dnormNormMean = s * (sdnx - m * sdn) / Float(C)
        if let dbias { for i in 0..<C { dbias[i] += d[i] } }
        for i in 0..<C {
            let n = (x[i] - m) * s
            dweight[i] += n * d[i]
            dx[i] += (weight[i] * d[i] - dnormMean - n * dnormNormMean) * s
        }
    }
}
