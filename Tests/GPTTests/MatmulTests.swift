// The BLAS matmul path against the naive reference, for every transpose combination the model uses.
import GPT
import Testing

struct GemmCase: CustomTestStringConvertible, Sendable {
    var name: String, ta: Transpose, tb: Transpose, M: Int, N: Int, K: Int, alpha: Float, beta: Float, pad: Int
    var testDescription: String { name }
}

@Test("sgemm equals the naive reference", arguments: [
    GemmCase(name: "nn", ta: .no, tb: .no, M: 7, N: 5, K: 9, alpha: 1, beta: 0, pad: 0),
    GemmCase(name: "nt (lm_head, attention scores)", ta: .no, tb: .yes, M: 6, N: 11, K: 8, alpha: 0.5, beta: 0, pad: 3),
    GemmCase(name: "tn (weight gradients)", ta: .yes, tb: .no, M: 8, N: 5, K: 13, alpha: 1, beta: 1, pad: 2),
    GemmCase(name: "tt", ta: .yes, tb: .yes, M: 4, N: 6, K: 5, alpha: 2, beta: 1, pad: 1),
    GemmCase(name: "nn large (threaded)", ta: .no, tb: .no, M: 130, N: 96, K: 200, alpha: 1, beta: 1, pad: 0),
])
func gemmMatchesNaive(_ c: GemmCase) {
    let arena = Arena()
    defer { withExtendedLifetime(arena) {} }
    var rng = GPTRandom(seed: 11)
    // Strided operands (leading dimension larger than the row) as attention uses them.
    let aRows = c.ta == .no ? c.M : c.K, aCols = c.ta == .no ? c.K : c.M
    let bRows = c.tb == .no ? c.K : c.N, bCols = c.tb == .no ? c.N : c.K
    let lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.N + c.pad
    let A = arena.buf(randomFloats(aRows * lda, &rng)), B = arena.buf(randomFloats(bRows * ldb, &rng))
    let c0 = randomFloats(c.M * ldc, &rng)
    let C1 = arena.buf(c0), C2 = arena.buf(c0)
    gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.base, lda, B.base, ldb, c.beta, C1.base, ldc)
    gemmNaive(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.base, lda, B.base, ldb, c.beta, C2.base, ldc)
    #expect(relativeError(C1.array, C2.array.doubles) < 1e-5)
}

@Test func matmulForwardBackwardEqualNaive() {
    let arena = Arena()
    defer { withExtendedLifetime(arena) {} }
    var rng = GPTRandom(seed: 12)
    let BT = 33, C = 24, OC = 40
    let x = arena.buf(randomFloats(BT * C, &rng)), w = arena.buf(randomFloats(C * OC, &rng))
    let b = arena.buf(randomFloats(OC, &rng)), dout = arena.buf(randomFloats(BT * OC, &rng))
    let o1 = arena.buf(count: BT * OC), o2 = arena.buf(count: BT * OC)
    matmulForward(o1.base, x.base, w.base, b.base, BT, C, OC)
    matmulForwardNaive(o2.base, x.base, w.base, b.base, BT, C, OC)
    #expect(relativeError(o1.array, o2.array.doubles) < 1e-5)
    // Backward accumulates: start both from the same nonzero gradients.
    let start = randomFloats(BT * C + C * OC + OC, &rng)
    let g1 = arena.buf(start), g2 = arena.buf(start)
    matmulBackward(g1.base, g1.base + BT * C, g1.base + BT * C + C * OC, dout.base, x.base, w.base, BT, C, OC)
    matmulBackwardNaive(g2.base, g2.base + BT * C, g2.base + BT * C + C * OC, dout.base, x.base, w.base, BT, C, OC)
    #expect(relativeError(g1.array, g2.array.doubles) < 1e-5)
}
