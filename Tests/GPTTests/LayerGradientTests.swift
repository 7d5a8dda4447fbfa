// Every layer's backward against central differences of a Double reference forward.
import Foundation
import GPT
import Testing

enum Layer: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case encoder, layerNorm, layerNormNoBias, matmul, matmulNoBias, attention, gelu, residual, logProb
    var testDescription: String { rawValue }
}

/// Runs one layer's Float backward with a random upstream gradient and returns, per input,
/// (name, analytic gradient, numeric gradient of Σ dout·f(x) in Double).
func layerGradients(_ layer: Layer) -> [(String, [Float], [Double])] {
    let arena = Arena()
    defer { withExtendedLifetime(arena) {} }
    var rng = GPTRandom(seed: 42)
    switch layer {
    case .encoder:
        let B = 2, T = 3, C = 4, V = 5
        let tokens: [Int32] = [0, 3, 3, 4, 1, 0]
        let wte = randomFloats(V * C, &rng), wpe = randomFloats(T * C, &rng), dout = randomFloats(B * T * C, &rng)
        let dwte = arena.buf(count: V * C), dwpe = arena.buf(count: T * C)
        tokens.withUnsafeBufferPointer { tk in
            encoderBackward(dwte.base, dwpe.base, arena.ptr(dout), tk.baseAddress!, B, T, C)
        }
        let d = dout.doubles
        return [
            ("wte", dwte.array, numericGradient(wte.doubles) { dot(d, Ref.encoder(tokens, $0, wpe.doubles, B, T, C)) }),
            ("wpe", dwpe.array, numericGradient(wpe.doubles) { dot(d, Ref.encoder(tokens, wte.doubles, $0, B, T, C)) }),
        ]
    case .layerNorm, .layerNormNoBias:
        let N = 3, C = 6, hasBias = layer == .layerNorm
        let x = randomFloats(N * C, &rng), w = randomFloats(C, &rng), b = randomFloats(C, &rng), dout = randomFloats(N * C, &rng)
        let X = arena.buf(x), W = arena.buf(w), Bb = arena.buf(b)
        let out = arena.buf(count: N * C), mean = arena.buf(count: N), rstd = arena.buf(count: N)
        layerNormForward(out.base, mean.base, rstd.base, X.base, W.base, hasBias ? Bb.base : nil, N, C)
        let dx = arena.buf(count: N * C), dw = arena.buf(count: C), db = arena.buf(count: C)
        layerNormBackward(dx.base, dw.base, hasBias ? db.base : nil, arena.ptr(dout), X.base, W.base, mean.base, rstd.base, N, C)
        let d = dout.doubles, bd: [Double]? = hasBias ? b.doubles : nil
        var r: [(String, [Float], [Double])] = [
            ("x", dx.array, numericGradient(x.doubles) { dot(d, Ref.layerNorm($0, w.doubles, bd, N, C)) }),
            ("weight", dw.array, numericGradient(w.doubles) { dot(d, Ref.layerNorm(x.doubles, $0, bd, N, C)) }),
        ]
        if hasBias { r.append(("bias", db.array, numericGradient(b.doubles) { dot(d, Ref.layerNorm(x.doubles, w.doubles, $0, N, C)) })) }
        return r
    case .matmul, .matmulNoBias:
        let BT = 3, C = 4, OC = 5, hasBias = layer == .matmul
        let x = randomFloats(BT * C, &rng), w = randomFloats(C * OC, &rng), b = randomFloats(OC, &rng), dout = randomFloats(BT * OC, &rng)
        let dx = arena.buf(count: BT * C), dw = arena.buf(count: C * OC), db = arena.buf(count: OC)
        matmulBackward(dx.base, dw.base, hasBias ? db.base : nil, arena.ptr(dout), arena.ptr(x), arena.ptr(w), BT, C, OC)
        let d = dout.doubles, bd: [Double]? = hasBias ? b.doubles : nil
        var r: [(String, [Float], [Double])] = [
            ("x", dx.array, numericGradient(x.doubles) { dot(d, Ref.matmul($0, w.doubles, bd, BT, C, OC)) }),
            ("weight", dw.array, numericGradient(w.doubles) { dot(d, Ref.matmul(x.doubles, $0, bd, BT, C, OC)) }),
        ]
        if hasBias { r.append(("bias", db.array, numericGradient(b.doubles) { dot(d, Ref.matmul(x.doubles, w.doubles, $0, BT, C, OC)) })) }
        return r
    case .attention:
        let B = 2, T = 4, C = 6, NH = 2
        let qkv = randomFloats(B * T * 3 * C, &rng), dout = randomFloats(B * T * C, &rng)
        let Q = arena.buf(qkv), out = arena.buf(count: B * T * C), att = arena.buf(count: B * NH * T * T)
        attentionForward(out.base, att.base, Q.base, B, T, C, NH)
        let dqkv = arena.buf(count: B * T * 3 * C), scratch = arena.buf(count: T * T)
        attentionBackward(dqkv.base, scratch.base, arena.ptr(dout), Q.base, att.base, B, T, C, NH)
        let d = dout.doubles
        return [("qkv", dqkv.array, numericGradient(qkv.doubles) { dot(d, Ref.attention($0, B, T, C, NH)) })]
    case .gelu:
        // Include large |x| (tails of erf) and a length that is not a multiple of the vector width.
        let x = randomFloats(21, &rng, std: 2) + [-5, 5, 0], dout = randomFloats(24, &rng)
        let dx = arena.buf(count: 24)
        geluBackward(dx.base, arena.ptr(x), arena.ptr(dout), 24)
        let d = dout.doubles
        return [("x", dx.array, numericGradient(x.doubles) { dot(d, Ref.gelu($0)) })]
    case .residual:
        let a = randomFloats(7, &rng), b = randomFloats(7, &rng), dout = randomFloats(7, &rng)
        let da = arena.buf(count: 7), db = arena.buf(count: 7)
        residualBackward(da.base, db.base, arena.ptr(dout), 7)
        let d = dout.doubles
        return [("a", da.array, numericGradient(a.doubles) { dot(d, zip($0, b.doubles).map { $0 + $1 }) }),
                ("b", db.array, numericGradient(b.doubles) { dot(d, zip(a.doubles, $0).map { $0 + $1 }) })]
    case .logProb:
        let N = 4, V = 7
        let logits = randomFloats(N * V, &rng, std: 2), targets: [Int32] = [0, 6, 3, 3]
        let dlp: [Float] = [0.5, -1.25, 0, 2]   // includes a masked (0) position
        let lp = arena.buf(count: N), probs = arena.buf(count: N * V), dlogits = arena.buf(count: N * V)
        targets.withUnsafeBufferPointer { tg in
            logProbForward(lp.base, nil, probs.base, arena.ptr(logits), tg.baseAddress!, N, V)
            logProbBackward(dlogits.base, arena.ptr(dlp), probs.base, tg.baseAddress!, N, V)
        }
        let d = dlp.doubles
        return [("logits", dlogits.array, numericGradient(logits.doubles) { dot(d, Ref.logProb($0, targets, N, V)) })]
    }
}

@Test("layer backward matches central differences in Double", arguments: Layer.allCases)
func layerBackwardMatchesNumericGradient(_ layer: Layer) {
    for (name, analytic, numeric) in layerGradients(layer) {
        let err = relativeError(analytic, numeric)
        #expect(err < 1e-4, "\(layer.rawValue).\(name): relative error \(err)")
    }
}

@Test func layerForwardsMatchDoubleReference() {
    let arena = Arena()
    defer { withExtendedLifetime(arena) {} }
    var rng = GPTRandom(seed: 3)
    // LayerNorm, GELU, attention and log-prob forwards against the Double references.
    let N = 5, C = 8
    let x = randomFloats(N * C, &rng, std: 2), w = randomFloats(C, &rng), b = randomFloats(C, &rng)
    let out = arena.buf(count: N * C)
    layerNormForward(out.base, nil, nil, arena.ptr(x), arena.ptr(w), arena.ptr(b), N, C)
    #expect(relativeError(out.array, Ref.layerNorm(x.doubles, w.doubles, b.doubles, N, C)) < 1e-5)
    let g = arena.buf(count: N * C)
    geluForward(g.base, arena.ptr(x), N * C)
    #expect(relativeError(g.array, Ref.gelu(x.doubles)) < 1e-5)
    let B = 2, T = 5, NH = 2
    let qkv = randomFloats(B * T * 3 * C, &rng)
    let ao = arena.buf(count: B * T * C), att = arena.buf(count: B * NH * T * T)
    attentionForward(ao.base, att.base, arena.ptr(qkv), B, T, C, NH)
    #expect(relativeError(ao.array, Ref.attention(qkv.doubles, B, T, C, NH)) < 1e-5)
}

@Test func vectorisedGELUMatchesErfOverWideRange() {
    let arena = Arena()
    defer { withExtendedLifetime(arena) {} }
    // The erf approximation must be as good as libm's erff across the range, including the tails.
    let xs = stride(from: -10.0, through: 10.0, by: 0.01).map { Float($0) }
    let out = arena.buf(count: xs.count)
    geluForward(out.base, arena.ptr(xs), xs.count)
    var worst = 0.0
    for (i, x) in xs.enumerated() {
        let exact = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
        worst = max(worst, abs(Double(out[i]) - exact) / max(1, abs(exact)))
    }
    #expect(worst < 1e-6)
}
