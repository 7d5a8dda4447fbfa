// AdamW over the flat parameter buffer, global-norm gradient clipping, and the learning-rate schedule.
import Foundation

// MARK: - Optimizer

/// Settings of AdamW (nanoGPT's defaults where it has them).
public struct AdamWParameters: Codable, Equatable, Sendable {
    /// First-moment decay; 0.9 is the standard momentum.
    public var beta1: Float = 0.9
    /// Second-moment decay; nanoGPT uses 0.99 for small character models (0.95 for large ones).
    public var beta2: Float = 0.99
    /// Added to √v to avoid division by zero; PyTorch's default.
    public var eps: Float = 1e-8
    /// Decoupled weight decay, applied only to 2-D tensors (matrices and embeddings), as nanoGPT.
    public var weightDecay: Float = 0.1
    /// Global gradient-norm cap (nil: no clipping); 1.0 as nanoGPT.
    public var gradClip: Float? = 1.0

    public init(beta1: Float = 0.9, beta2: Float = 0.99, eps: Float = 1e-8, weightDecay: Float = 0.1,
                gradClip: Float? = 1.0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.gradClip = gradClip
    }
}

/// AdamW with decoupled weight decay over one flat parameter buffer (a model's, a value head's, or
/// any other). Moments m, v share the parameters' layout.
public final class AdamW {
    public var parameters: AdamWParameters
    /// First moments (same layout as the parameters).
    public let m: FloatBuffer
    /// Second moments.
    public let v: FloatBuffer
    /// Steps taken so far (bias correction uses step+1 on the next update).
    public var step: Int = 0
    /// Contiguous regions of the buffer and whether weight decay applies to each.
    private let regions: [(range: Range<Int>, decays: Bool)]

    /// The optimizer of a model: decay on its 2-D tensors only, as nanoGPT.
    public convenience init(layout: ParameterLayout, parameters: AdamWParameters = AdamWParameters()) {
        self.init(count: layout.count, regions: layout.tensors.map { ($0.offset..<($0.offset + $0.count), $0.decays) },
                  parameters: parameters)
    }

    /// The optimizer of any flat buffer of `count` floats, decaying every element or none.
    public convenience init(count: Int, decays: Bool, parameters: AdamWParameters = AdamWParameters()) {
        self.init(count: count, regions: [(0..<count, decays)], parameters: parameters)
    }

    init(count: Int, regions: [(range: Range<Int>, decays: Bool)], parameters: AdamWParameters) {
        self.parameters = parameters
        self.regions = regions
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
    }

    /// Clips (if configured) and applies one update to `model.params` from `model.grads`.
    /// Returns the gradient norm before clipping.
    @discardableResult
    public func update(_ model: GPTModel, learningRate lr: Float, gradientNorm norm: Float? = nil) -> Float {
        update(params: model.params, grads: model.grads, learningRate: lr, gradientNorm: norm)
    }

    /// One update of `params` from `grads`. `gradientNorm` is the norm to clip by when the caller
    /// has it already (it may span several buffers stepped together, such as a trunk and its value
    /// head); otherwise it is computed here. Returns the norm used.
    @discardableResult
    public func update(params: FloatBuffer, grads: FloatBuffer, learningRate lr: Float, gradientNorm: Float? = nil) -> Float {
        precondition(params.count == m.count && grads.count == m.count, "buffers must match the optimizer's layout")
        let norm = gradientNorm ?? GPT.gradientNorm(grads)
        var scale: Float = 1
        if let clip = parameters.gradClip, norm > clip { scale = clip / (norm + 1e-6) }
        step += 1
        let b1 = parameters.beta1, b2 = parameters.beta2, eps = parameters.eps, wd = parameters.weightDecay
        let c1 = 1 / (1 - Float(pow(Double(b1), Double(step))))
        let c2 = 1 / (1 - Float(pow(Double(b2), Double(step))))
        let parts = split(m.count, into: Parallelism.threads)
        let p = params.base, g = grads.base, m = m.base, v = v.base
        let regions = self.regions
        parallelFor(parts.count) { k in
            let r = parts[k]
            // Walk the regions overlapping this part; decay is constant within a region.
            for t in regions {
                let lo = Swift.max(t.range.lowerBound, r.lowerBound), hi = Swift.min(t.range.upperBound, r.upperBound)
                if lo >= hi { continue }
                AdamW.kernel(p + lo, g + lo, m + lo, v + lo, hi - lo, lr, scale, b1, b2, eps, t.decays ? wd : 0, c1, c2)
            }
        }
        return norm
    }
}

extension AdamW {
    /// The elementwise update over n floats (a separate function so LLVM sees plain pointers and vectorises).
    @inline(never)
    static func kernel(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, _ n: Int,
                       _ lr: Float, _ scale: Float, _ b1: Float, _ b2: Float, _ eps: Float, _ wd: Float,
                       _ c1: Float, _ c2: Float) {
        // Eight lanes at a time with explicit SIMD: scalar squareRoot() keeps a libm fallback that
        // stops LLVM from vectorising the loop.
        typealias F8 = SIMD8<Float>
        var i = 0
        while i + 8 <= n {
            let gi = load8(g + i) * scale
            let mi = b1 * load8(m + i) + (1 - b1) * gi
            let vi = b2 * load8(v + i) + (1 - b2) * gi * gi
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: F8.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: F8.self)
            let pi = load8(p + i)
            let upd = (mi * c1) / ((vi * c2).squareRoot() + eps) + wd * pi
            UnsafeMutableRawPointer(p + i).storeBytes(of: pi - lr * upd, as: F8.self)
            i += 8
        }
        while i < n {
            let gi = g[i] * scale
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi; v[i] = vi
            let mhat = mi * c1, vhat = vi * c2
            p[i] -= lr * (mhat / (vhat.squareRoot() + eps) + wd * p[i])
            i += 1
        }
    }
}

/// √(Σ g²) over a flat buffer (accumulated in Double so the norm of millions of floats is exact enough).
public func gradientNorm(_ g: FloatBuffer) -> Float {
    var s = 0.0
    var i = 0
    let n = g.count, b = g.base
    var acc = SIMD8<Float>(repeating: 0)
    while i + 8 <= n {
        let x = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        acc += x * x
        i += 8
        if i % 4096 == 0 { s += Double(acc.sum()); acc = .init(repeating: 0) }
    }
    s += Double(acc.sum())
    while i < n { s += Double(b[i]) * Double(b[i]); i += 1 }
    return Float(s.squareRoot())
}

// MARK: - Schedule

/// Linear warm-up to `maxLR`, then cosine decay to `minLR` at `decaySteps`, flat after (nanoGPT's get_lr).
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// Peak learning rate, reached at the end of warm-up.
    public var maxLR: Float
    /// Floor after decay; nanoGPT uses maxLR/10.
    public var minLR: Float
    /// Steps of linear warm-up from 0 (avoids large early Adam steps while v is still small).
    public var warmupSteps: Int
    /// Step at which the cosine reaches minLR.
    public var decaySteps: Int

    public init(maxLR: Float, minLR: Float? = nil, warmupSteps: Int, decaySteps: Int) {
        self.maxLR = maxLR; self.minLR = minLR ?? maxLR / 10
        self.warmupSteps = warmupSteps; self.decaySteps = decaySteps
    }

    /// Learning rate for step `it` (0-based).
    public func callAsFunction(_ it: Int) -> Float {
        if it < warmupSteps { return maxLR * Float(it + 1) / Float(warmupSteps + 1) }
        if it >= decaySteps { return minLR }
        let ratio = Double(it - warmupSteps) / Double(max(1, decaySteps - warmupSteps))
        let coeff = 0.5 * (1 + cos(Double.pi * ratio))
        return minLR + Float(coeff) * (maxLR - minLR)
    }
}
