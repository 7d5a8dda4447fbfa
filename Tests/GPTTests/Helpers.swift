// Shared helpers for the GPT tests: random data, numeric gradients, error measures.
import Foundation
import GPT
import Testing

func randomFloats(_ n: Int, _ rng: inout GPTRandom, std: Float = 1) -> [Float] {
    (0..<n).map { _ in rng.normalFloat(std: std) }
}

/// Central differences of `f` at `x` in Double, for the indices `at` (all when nil).
func numericGradient(_ x: [Double], at indices: [Int]? = nil, eps: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    let idx = indices ?? Array(0..<x.count)
    return idx.map { i in
        let old = x[i]
        x[i] = old + eps; let fp = f(x)
        x[i] = old - eps; let fm = f(x)
        x[i] = old
        return (fp - fm) / (2 * eps)
    }
}

/// Largest |a − n| relative to the largest |n| (with a floor, so all-zero gradients compare absolutely).
func relativeError(_ a: [Float], _ n: [Double]) -> Double {
    precondition(a.count == n.count)
    var maxDiff = 0.0, maxN = 1e-6
    for i in 0..<a.count {
        maxDiff = max(maxDiff, abs(Double(a[i]) - n[i]))
        maxN = max(maxN, abs(n[i]))
    }
    return maxDiff / maxN
}

func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}

/// A config small enough for Double reference checks in a debug build.
func microConfig(bias: Bool = true) -> GPTConfig {
    GPTConfig(vocabSize: 11, contextLength: 6, nLayer: 2, nHead: 2, nEmbd: 8, bias: bias)
}

/// A model whose parameters are larger than GPT-2 init, so gradients and logits are far from trivial.
func scrambledModel(_ config: GPTConfig, seed: UInt64, std: Float = 0.3) throws -> GPTModel {
    let m = try GPTModel(config: config, seed: seed)
    var rng = GPTRandom(seed: seed ^ 0xABCD)
    for t in m.layout.tensors {
        for i in 0..<t.count {
            let isGain = t.name.hasSuffix("ln_1.weight") || t.name.hasSuffix("ln_2.weight") || t.name == "ln_f.weight"
            m.params[t.offset + i] = (isGain ? 1 : 0) + rng.normalFloat(std: std)
        }
    }
    return m
}

/// Owns test buffers for a whole test scope. A temporary `FloatBuffer(x).base` would be freed as soon
/// as the pointer is taken; the arena keeps every buffer alive until it goes away.
final class Arena {
    private var buffers: [FloatBuffer] = []
    /// A pointer to a copy of `values`, valid while the arena lives.
    func ptr(_ values: [Float]) -> UnsafeMutablePointer<Float> {
        let b = FloatBuffer(values); buffers.append(b); return b.base
    }
    /// A buffer kept alive by the arena.
    func buf(count: Int) -> FloatBuffer { let b = FloatBuffer(count: count); buffers.append(b); return b }
    func buf(_ values: [Float]) -> FloatBuffer { let b = FloatBuffer(values); buffers.append(b); return b }
    /// A pointer to `count` zeros.
    func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
        let b = FloatBuffer(count: count); buffers.append(b); return b.base
    }
}

func array(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n)) }
