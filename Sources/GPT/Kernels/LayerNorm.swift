// LayerNorm over channels with gain and bias (eps 1e-5, as PyTorch).
// Shapes: N rows (B×T), C channels.

/// out (N,C) = (inp − mean) · rstd · weight + bias; saves mean (N) and rstd (N) for backward.
public func layerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>?,
                             _ rstd: UnsafeMutablePointer<Float>?,
                             _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                             _ bias: UnsafePointer<Float>?, _ N: Int, _ C: Int) {
    let eps: Float = 1e-5
    for r in 0..<N {
        let x = inp + r * C
        var m: Float = 0
        for i in 0..<C { m += x[i] }
        m /= Float(C)
        var v: Float = 0
        for i in 0..<C { let d = x[i] - m; v += d * d }
        v /= Float(C)
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
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for i in 0..<C {
            let n = (x[i] - m) * s
            let dn = weight[i] * d[i]
            dnormMean += dn
            dnormNormMean += dn * n
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        for i in 0..<C {
            let n = (x[i] - m) * s
            let dn = weight[i] * d[i]
            if let dbias { dbias[i] += d[i] }
            dweight[i] += n * d[i]
            dx[i] += (dn - dnormMean - n * dnormNormMean) * s
        }
    }
}
