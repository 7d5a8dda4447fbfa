// Token + position embedding: out[b,t,:] = wte[token[b,t],:] + wpe[t,:].
// Shapes: B batch, T time, C channels, V vocabulary.

/// out (B,T,C) = wte (V,C)[tokens (B,T)] + wpe (T,C)[position], the position t or, for rows packed
/// with several documents, `positions[b,t]`.
public func encoderForward(_ out: UnsafeMutablePointer<Float>,
                           _ tokens: UnsafePointer<Int32>, _ wte: UnsafePointer<Float>, _ wpe: UnsafePointer<Float>,
                           _ B: Int, _ T: Int, _ C: Int, positions: UnsafePointer<Int32>? = nil) {
    for b in 0..<B {
        for t in 0..<T {
            let o = out + (b * T + t) * C
            let e = wte + Int(tokens[b * T + t]) * C
            let p = wpe + Int(positions?[b * T + t] ?? Int32(t)) * C
            for i in 0..<C { o[i] = e[i] + p[i] }
        }
    }
}

/// dwte (V,C) += Σ dout rows of each token; dwpe (T,C) += Σ dout at each position.
public func encoderBackward(_ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>,
                            _ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>,
                            _ B: Int, _ T: Int, _ C: Int, positions: UnsafePointer<Int32>? = nil) {
    for b in 0..<B {
        for t in 0..<T {
            let d = dout + (b * T + t) * C
            let e = dwte + Int(tokens[b * T + t]) * C
            let p = dwpe + Int(positions?[b * T + t] ?? Int32(t)) * C
            for i in 0..<C { e[i] += d[i]; p[i] += d[i] }
        }
    }
}
