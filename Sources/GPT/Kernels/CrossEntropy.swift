// Softmax over the vocabulary with per-position target log-probs (the RL trainer weights them itself).
// Shapes: N rows (B×T), V vocabulary.
import Foundation

/// probs (N,V) = softmax(logits); logprob (N) = log p(target); entropy (N) = −Σ p log p (if non-nil).
/// A cross-entropy loss with weights w is then −Σ w·logprob, and its backward passes dlogprob = −w.
public func logProbForward(_ logprob: UnsafeMutablePointer<Float>, _ entropy: UnsafeMutablePointer<Float>?,
                           _ probs: UnsafeMutablePointer<Float>,
                           _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ N: Int, _ V: Int) {
    for r in 0..<N {
        let x = logits + r * V, p = probs + r * V
        var maxv = -Float.greatestFiniteMagnitude
        for j in 0..<V where x[j] > maxv { maxv = x[j] }
        var sum: Float = 0
        for j in 0..<V { let e = exp(x[j] - maxv); p[j] = e; sum += e }
        let inv = 1 / sum
        let lse = maxv + log(sum)
        var px: Float = 0
        for j in 0..<V { p[j] *= inv; px += p[j] * x[j] }
        logprob[r] = x[Int(targets[r])] - lse
        entropy?[r] = lse - px
    }
}

/// dlogits (N,V) += dlogprob · (onehot(target) − probs): the gradient of Σ dlogprob·logprob.
/// Rows with dlogprob = 0 (masked positions) are skipped.
public func logProbBackward(_ dlogits: UnsafeMutablePointer<Float>,
                            _ dlogprob: UnsafePointer<Float>, _ probs: UnsafePointer<Float>,
                            _ targets: UnsafePointer<Int32>, _ N: Int, _ V: Int) {
    for r in 0..<N {
        let g = dlogprob[r]
        if g == 0 { continue }
        let d = dlogits + r * V, p = probs + r * V
        for j in 0..<V { d[j] -= g * p[j] }
        d[Int(targets[r])] += g
    }
}
