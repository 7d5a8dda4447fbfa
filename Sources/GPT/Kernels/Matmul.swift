// Linear layer y = x @ W + b on OpenBLAS's sgemm, with a naive reference beside it.
// The only file that imports CBLAS: every other kernel calls `gemm` below.
//
// Shapes: BT rows (batch × time), C input channels, OC output channels. W is stored (C, OC) row-major.
import CBLAS

// MARK: - BLAS access

/// Transpose flag for `gemm` (so no other file needs CBLAS's enums).
public enum Transpose: Sendable { case no, yes }

/// Thread control and a row-major sgemm for the rest of the module.
public enum BLAS {
    /// Sets OpenBLAS's thread count (2 on this machine for large products; 1 helps tiny decode products).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    /// OpenBLAS's current thread count.
    public static var threads: Int { Int(openblas_get_num_threads()) }
    /// OpenBLAS's build description (core and options), for benchmark logs.
    public static var configDescription: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}

/// Row-major C(M,N) = alpha · op(A)(M,K) · op(B)(K,N) + beta · C.
@inline(__always)
public func gemm(_ ta: Transpose, _ tb: Transpose, _ M: Int, _ N: Int, _ K: Int,
                 _ alpha: Float, _ A: UnsafePointer<Float>, _ lda: Int,
                 _ B: UnsafePointer<Float>, _ ldb: Int,
                 _ beta: Float, _ Cm: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, ta == .no ? CblasNoTrans : CblasTrans, tb == .no ? CblasNoTrans : CblasTrans,
                Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, Cm, Int32(ldc))
}

// MARK: - Forward / backward

/// Writes `bias` into every row of out (BT, OC) and returns the sgemm β that adds the product to
/// it (1), or 0 when there is no bias and the product overwrites `out`.
@inline(__always)
func broadcastBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, _ BT: Int, _ OC: Int) -> Float {
    guard let bias else { return 0 }
    for r in 0..<BT { (out + r * OC).update(from: bias, count: OC) }
    return 1
}

/// out (BT, OC) = inp (BT, C) @ weight (C, OC) + bias (OC). Overwrites `out`.
public func matmulForward(_ out: UnsafeMutablePointer<Float>,
                          _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                          _ BT: Int, _ C: Int, _ OC: Int) {
    let beta = broadcastBias(out, bias, BT, OC)
    gemm(.no, .no, BT, OC, C, 1, inp, C, weight, OC, beta, out, OC)
}

/// Accumulates dinp (BT, C) += dout @ Wᵀ, dweight (C, OC) += inpᵀ @ dout, dbias (OC) += Σ_rows dout.
/// `dinp` may be nil when the input needs no gradient.
public func matmulBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>,
                           _ dbias: UnsafeMutablePointer<Float>?,
                           _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                           _ BT: Int, _ C: Int, _ OC: Int) {
    if let dinp { gemm(.no, .yes, BT, C, OC, 1, dout, OC, weight, OC, 1, dinp, C) }
    gemm(.yes, .no, C, OC, BT, 1, inp, C, dout, OC, 1, dweight, OC)
    if let dbias {
        for r in 0..<BT {
            let row = dout + r * OC
            for o in 0..<OC { dbias[o] += row[o] }
        }
    }
}

// MARK: - Naive reference (tests compare the BLAS path against these)

/// Reference for `gemm`: plain triple loop with Double accumulation.
public func gemmNaive(_ ta: Transpose, _ tb: Transpose, _ M: Int, _ N: Int, _ K: Int,
                      _ alpha: Float, _ A: UnsafePointer<Float>, _ lda: Int,
                      _ B: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ Cm: UnsafeMutablePointer<Float>, _ ldc: Int) {
    for i in 0..<M {
        for j in 0..<N {
            var s = 0.0
            for k in 0..<K {
                let a = ta == .no ? A[i * lda + k] : A[k * lda + i]
                let b = tb == .no ? B[k * ldb + j] : B[j * ldb + k]
                s += Double(a) * Double(b)
            }
            let c = beta == 0 ? 0 : Double(beta) * Double(Cm[i * ldc + j])
            Cm[i * ldc + j] = Float(Double(alpha) * s + c)
        }
    }
}

/// Reference for `matmulForward`.
public func matmulForwardNaive(_ out: UnsafeMutablePointer<Float>,
                               _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                               _ bias: UnsafePointer<Float>?, _ BT: Int, _ C: Int, _ OC: Int) {
    for r in 0..<BT {
        for o in 0..<OC {
            var s = Double(bias?[o] ?? 0)
            for i in 0..<C { s += Double(inp[r * C + i]) * Double(weight[i * OC + o]) }
            out[r * OC + o] = Float(s)
        }
    }
}

/// Reference for `matmulBackward`.
public func matmulBackwardNaive(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>,
                                _ dbias: UnsafeMutablePointer<Float>?,
                                _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
                                _ weight: UnsafePointer<Float>, _ BT: Int, _ C: Int, _ OC: Int) {
    if let dinp {
        for r in 0..<BT {
            for i in 0..<C {
                var s = 0.0
                for o in 0..<OC { s += Double(dout[r * OC + o]) * Double(weight[i * OC + o]) }
                dinp[r * C + i] += Float(s)
            }
        }
    }
    for i in 0..<C {
        for o in 0..<OC {
            var s = 0.0
            for r in 0..<BT { s += Double(inp[r * C + i]) * Double(dout[r * OC + o]) }
            dweight[i * OC + o] += Float(s)
        }
    }
    if let dbias {
        for o in 0..<OC {
            var s = 0.0
            for r in 0..<BT { s += Double(dout[r * OC + o]) }
            dbias[o] += Float(s)
        }
    }
}

/// The largest product (M·N·K) OpenBLAS's small-matrix path accepts on this build's x86 kernels.
private let smallMNK = 1_000_000

/// `matmulForward` for decode-sized products (few rows): splits the product so each sgemm call is at
/// most 100³ multiply-adds, where OpenBLAS (0.3.21, SMALL_MATRIX_OPT) takes its small-matrix kernel
/// that works on the operands in place instead of packing the whole weight matrix on every call.
/// Products too large for that even when split (prefill) stay one call.
public func matmulForwardFewRows(_ out: UnsafeMutablePointer<Float>,
                                 _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                 _ BT: Int, _ C: Int, _ OC: Int) {
    let beta = broadcastBias(out, bias, BT, OC)
    let maxCols = smallMNK / max(1, BT * C) / 16 * 16
    let kc = smallMNK / max(1, BT * OC) / 16 * 16
    if maxCols >= OC || (C >= 256 ? kc < 16 : maxCols < 16) {
        gemm(.no, .no, BT, OC, C, 1, inp, C, weight, OC, beta, out, OC)
        return
    }
    if C >= 256 {
        // Long inputs: split the inner dimension instead and accumulate into `out`, so each call
        // streams one contiguous slab of rows of W and the input is not re-read per column chunk
        // (measured on decode: +5-10% on `small`; for C = 128 the column split was faster).
        var k = 0
        while k < C {
            let n = min(kc, C - k)
            gemm(.no, .no, BT, OC, n, 1, inp + k, C, weight + k * OC, OC, k == 0 ? beta : 1, out, OC)
            k += n
        }
        return
    }
    // Equal chunks (multiples of 16) rather than full ones and a short remainder.
    let parts = (OC + maxCols - 1) / maxCols
    let cols = ((OC + parts - 1) / parts + 15) / 16 * 16
    var j = 0
    while j < OC {
        let n = min(cols, OC - j)
        gemm(.no, .no, BT, n, C, 1, inp, C, weight + j, OC, beta, out + j, OC)
        j += n
    }
}
