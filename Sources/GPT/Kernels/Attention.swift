// Causal multi-head self-attention for training (full sequences), per (batch, head) on sgemm.
// Shapes: B batch, T time, C channels, NH heads, hs = C/NH head size.
// qkv (B,T,3C) holds Q | K | V along channels, each split into NH heads of hs.

// MARK: - Forward

/// out (B,T,C) = softmax(Q Kᵀ/√hs, causal) V per head; saves att (B,NH,T,T) (post-softmax, 0 above
/// the diagonal) for backward.
public func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                             _ qkv: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ NH: Int) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<B {
        for h in 0..<NH {
            let q = qkv + b * T * C3 + h * hs
            let k = q + C, v = q + 2 * C
            let a = att + (b * NH + h) * T * T
            // (T,T) = scale · Q (T,hs) · Kᵀ; the upper triangle is computed and then masked.
            gemm(.no, .yes, T, T, hs, scale, q, C3, k, C3, 0, a, T)
            for t in 0..<T {
                let row = a + t * T
                let inv = 1 / vexpShiftSum(row, vmax(row, t + 1), t + 1)
                for j in 0...t { row[j] *= inv }
                for j in (t + 1)..<T { row[j] = 0 }
            }
            // (T,hs) = att (T,T) · V (T,hs), written into this head's slice of out.
            gemm(.no, .no, T, hs, T, 1, a, T, v, C3, 0, out + b * T * C + h * hs, C)
        }
    }
}

// MARK: - Backward

/// Accumulates dqkv (B,T,3C) from dout (B,T,C). `scratch` holds T×T floats.
public func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                              _ att: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ NH: Int) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<B {
        for h in 0..<NH {
            let q = qkv + b * T * C3 + h * hs
            let k = q + C, v = q + 2 * C
            let dq = dqkv + b * T * C3 + h * hs
            let dk = dq + C, dv = dq + 2 * C
            let a = att + (b * NH + h) * T * T
            let d = dout + b * T * C + h * hs
            // datt (T,T) = dout (T,hs) · Vᵀ
            gemm(.no, .yes, T, T, hs, 1, d, C, v, C3, 0, scratch, T)
            // dV (T,hs) += attᵀ · dout
            gemm(.yes, .no, T, hs, T, 1, a, T, d, C, 1, dv, C3)
            // softmax backward in place: dpre = att ⊙ (datt − Σ att·datt), times the score scale.
            for t in 0..<T {
                let ar = a + t * T, dr = scratch + t * T
                let d = dot(ar, dr, t + 1)
                for j in 0...t { dr[j] = ar[j] * (dr[j] - d) * scale }
                for j in (t + 1)..<T { dr[j] = 0 }
            }
            // dQ (T,hs) += dpre · K ; dK (T,hs) += dpreᵀ · Q
            gemm(.no, .no, T, hs, T, 1, scratch, T, k, C3, 1, dq, C3)
            gemm(.yes, .no, T, hs, T, 1, scratch, T, q, C3, 1, dk, C3)
        }
    }
}
