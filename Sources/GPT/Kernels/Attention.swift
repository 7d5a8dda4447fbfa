// Causal multi-head self-attention for training (full sequences), per (batch, head) on sgemm.
// Shapes: B batch, T time, C channels, NH heads, hs = C/NH head size.
// qkv (B,T,3C) holds Q | K | V along channels, each split into NH heads of hs.

// MARK: - Documents in a row

/// The documents of row `b`: maximal runs whose position starts at 0 (a row packed with several
/// documents, each numbered from 0), or the whole row when `positions` is nil.
@inline(__always)
func documentSpans(_ positions: UnsafePointer<Int32>?, _ b: Int, _ T: Int) -> [Range<Int>] {
    guard let positions else { return [0..<T] }
    let row = positions + b * T
    var spans: [Range<Int>] = []
    var start = 0
    for t in 1..<max(1, T) where row[t] == 0 {
        spans.append(start..<t)
        start = t
    }
    spans.append(start..<T)
    return spans
}

// MARK: - Forward

/// out (B,T,C) = softmax(Q Kᵀ/√hs, causal) V per head; saves att (B,NH,T,T) (post-softmax, 0 above
/// the diagonal) for backward. With `positions` (B,T), a row holds several documents, each starting
/// at position 0, and a position attends only within its own document (a block-diagonal causal
/// mask): each block is computed on its own, so a packed document costs what it would alone.
/// Entries of att outside the blocks are not written.
public func attentionForward(_ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                             _ qkv: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ NH: Int,
                             positions: UnsafePointer<Int32>? = nil) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<B {
        let spans = documentSpans(positions, b, T)
        for h in 0..<NH {
            for span in spans {
                let s = span.lowerBound, n = span.count
                let q = qkv + (b * T + s) * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let a = att + (b * NH + h) * T * T + s * T + s
                // (n,n) = scale · Q (n,hs) · Kᵀ; the upper triangle is computed and then masked.
                gemm(.no, .yes, n, n, hs, scale, q, C3, k, C3, 0, a, T)
                for t in 0..<n {
                    let row = a + t * T
                    let inv = 1 / vexpShiftSum(row, vmax(row, t + 1), t + 1)
                    for j in 0...t { row[j] *= inv }
                    for j in (t + 1)..<n { row[j] = 0 }
                }
                // (n,hs) = att (n,n) · V (n,hs), written into this head's slice of out.
                gemm(.no, .no, n, hs, n, 1, a, T, v, C3, 0, out + (b * T + s) * C + h * hs, C)
            }
        }
    }
}

// MARK: - Backward

/// Accumulates dqkv (B,T,3C) from dout (B,T,C). `scratch` holds T×T floats. `positions` as in
/// `attentionForward`.
public func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                              _ att: UnsafePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ NH: Int,
                              positions: UnsafePointer<Int32>? = nil) {
    let hs = C / NH, C3 = 3 * C
    let scale = 1 / Float(hs).squareRoot()
    for b in 0..<B {
        let spans = documentSpans(positions, b, T)
        for h in 0..<NH {
            for span in spans {
                let s = span.lowerBound, n = span.count
                let q = qkv + (b * T + s) * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let dq = dqkv + (b * T + s) * C3 + h * hs
                let dk = dq + C, dv = dq + 2 * C
                let a = att + (b * NH + h) * T * T + s * T + s
                let d = dout + (b * T + s) * C + h * hs
                // datt (n,n) = dout (n,hs) · Vᵀ
                gemm(.no, .yes, n, n, hs, 1, d, C, v, C3, 0, scratch, n)
                // dV (n,hs) += attᵀ · dout
                gemm(.yes, .no, n, hs, n, 1, a, T, d, C, 1, dv, C3)
                // softmax backward in place: dpre = att ⊙ (datt − Σ att·datt), times the score scale.
                for t in 0..<n {
                    let ar = a + t * T, dr = scratch + t * n
                    let d = dot(ar, dr, t + 1)
                    for j in 0...t { dr[j] = ar[j] * (dr[j] - d) * scale }
                    for j in (t + 1)..<n { dr[j] = 0 }
                }
                // dQ (n,hs) += dpre · K ; dK (n,hs) += dpreᵀ · Q
                gemm(.no, .no, n, hs, n, 1, scratch, n, k, C3, 1, dq, C3)
                gemm(.yes, .no, n, hs, n, 1, scratch, n, q, C3, 1, dk, C3)
            }
        }
    }
}

// MARK: - Decode (one query over a sequence's cached keys and values)

/// scale · (eight positions of one key block) · q: even channels summed in one register, odd ones in
/// another, then added. Every caller sums in this order, so blocks may be computed in any grouping.
@inline(__always)
func scoreBlocks(_ s: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, _ kp: UnsafePointer<Float>,
                 _ blocks: Int, _ hs: Int, _ scale: Float) {
    let bs = hs * 8
    var a0 = SIMD8<Float>(repeating: 0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0
    var i = 0
    // Four blocks share each broadcast of q[i] and give eight independent sums to overlap.
    while i + 1 < hs {
        let x = SIMD8<Float>(repeating: q[i]), y = SIMD8<Float>(repeating: q[i + 1])
        let k = kp + i &* 8
        a0 += x * load8(k); a1 += y * load8(k + 8)
        if blocks > 1 { b0 += x * load8(k + bs); b1 += y * load8(k + bs + 8) }
        if blocks > 2 { c0 += x * load8(k + 2 * bs); c1 += y * load8(k + 2 * bs + 8) }
        if blocks > 3 { d0 += x * load8(k + 3 * bs); d1 += y * load8(k + 3 * bs + 8) }
        i += 2
    }
    if i < hs {
        let x = SIMD8<Float>(repeating: q[i]), k = kp + i &* 8
        a0 += x * load8(k)
        if blocks > 1 { b0 += x * load8(k + bs) }
        if blocks > 2 { c0 += x * load8(k + 2 * bs) }
        if blocks > 3 { d0 += x * load8(k + 3 * bs) }
    }
    store8(s, (a0 + a1) * scale)
    if blocks > 1 { store8(s + 8, (b0 + b1) * scale) }
    if blocks > 2 { store8(s + 16, (c0 + c1) * scale) }
    if blocks > 3 { store8(s + 24, (d0 + d1) * scale) }
}

/// out (hs) = softmax(scale · K q) · V for one query row of one head over n ≥ 1 cached positions.
/// `keys` holds the positions in blocks of eight, (⌈n/8⌉, hs, 8): a block's eight values of one channel
/// are contiguous, so eight scores are SIMD8 multiply-adds with no horizontal sums. `values` is (n, hs).
/// `scores` needs ⌈n/8⌉·8 floats. Lanes at or past n in the last key block are computed and ignored.
/// Each output channel sums over positions in order, whatever the grouping of channels.
@inline(__always)
func attendCached(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
                  _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
                  _ n: Int, _ hs: Int, _ scale: Float, _ scores: UnsafeMutablePointer<Float>) {
    let nb = (n + 7) >> 3
    var b = 0
    while b < nb {
        // Groups of four blocks while they last; branches inside are the same for a whole group.
        switch nb - b {
        case 1: scoreBlocks(scores + b * 8, q, keys + b * hs * 8, 1, hs, scale); b += 1
        case 2: scoreBlocks(scores + b * 8, q, keys + b * hs * 8, 2, hs, scale); b += 2
        case 3: scoreBlocks(scores + b * 8, q, keys + b * hs * 8, 3, hs, scale); b += 3
        default: scoreBlocks(scores + b * 8, q, keys + b * hs * 8, 4, hs, scale); b += 4
        }
    }
    let inv = 1 / vexpShiftSum(scores, vmax(scores, n), n)
    if hs % 8 != 0 {
        out.update(repeating: 0, count: hs)
        for j in 0..<n { axpy(scores[j] * inv, values + j * hs, out, hs) }
        return
    }
    var c = 0
    // 64 channels per pass over the positions (eight sums in flight), then 32, then 8.
    while c + 64 <= hs {
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
        var vp = values + c
        for j in 0..<n {
            let w = scores[j]
            a0 += w * load8(vp); a1 += w * load8(vp + 8); a2 += w * load8(vp + 16); a3 += w * load8(vp + 24)
            a4 += w * load8(vp + 32); a5 += w * load8(vp + 40); a6 += w * load8(vp + 48); a7 += w * load8(vp + 56)
            vp += hs
        }
        let o = out + c
        store8(o, a0 * inv); store8(o + 8, a1 * inv); store8(o + 16, a2 * inv); store8(o + 24, a3 * inv)
        store8(o + 32, a4 * inv); store8(o + 40, a5 * inv); store8(o + 48, a6 * inv); store8(o + 56, a7 * inv)
        c += 64
    }
    while c + 32 <= hs {
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
        var vp = values + c
        for j in 0..<n {
            let w = scores[j]
            a0 += w * load8(vp); a1 += w * load8(vp + 8); a2 += w * load8(vp + 16); a3 += w * load8(vp + 24)
            vp += hs
        }
        let o = out + c
        store8(o, a0 * inv); store8(o + 8, a1 * inv); store8(o + 16, a2 * inv); store8(o + 24, a3 * inv)
        c += 32
    }
    while c + 8 <= hs {
        var acc = SIMD8<Float>(repeating: 0)
        for j in 0..<n { acc += scores[j] * load8(values + j * hs + c) }
        store8(out + c, acc * inv)
        c += 8
    }
}
