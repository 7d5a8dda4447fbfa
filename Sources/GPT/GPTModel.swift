// The model: flat parameters and gradients, training forward/backward over a (B,T) batch of token ids,
// activations in one flat buffer (as llm.c). Letters: B batch, T time, C channels, V vocab, L layers, NH heads.
import Foundation

/// A GPT-2 style character model with hand-written backward.
///
/// Training step, as the RL trainer uses it:
/// ```
/// model.forward(tokens: x, targets: y, B: B, T: T)      // per-position log p(y[b,t] | x[b,...t])
/// let lp = model.logProbs                               // (B,T)
/// model.zeroGrad()
/// model.backward(dLogProbs: g)                          // g = d(loss)/d(logprob), e.g. −w/Σw
/// adam.update(model, learningRate: schedule(step))       // clips, steps, returns the grad norm
/// ```
/// Sequences of different lengths go in one (B,T) batch right-padded with any valid id (PAD) and a
/// zero weight in `dLogProbs`: attention is causal, so padding never changes earlier positions.
/// Activations are sized for the last (B,T); changing either reallocates them.
public final class GPTModel {
    public let config: GPTConfig
    public let layout: ParameterLayout
    /// All parameters, in `layout` order.
    public let params: FloatBuffer
    /// Gradients, same layout. `backward` accumulates; `zeroGrad` clears.
    public let grads: FloatBuffer

    /// One shard per thread; shard k runs batch rows `ranges[k]` with its own activations.
    private var shards: [Shard] = []
    private var ranges: [Range<Int>] = []
    private var B = 0, T = 0
    private var hasTargets = false
    private var hasLogits = true

    // MARK: Init

    /// A freshly initialised model (GPT-2 init: N(0, 0.02), residual projections N(0, 0.02/√(2L)),
    /// biases 0, LayerNorm gains 1) drawn from `GPTRandom(seed:)`.
    public init(config: GPTConfig, seed: UInt64) throws(GPTError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        params = FloatBuffer(count: layout.count)
        grads = FloatBuffer(count: layout.count)
        var rng = GPTRandom(seed: seed)
        let residualStd = 0.02 / Float(2 * config.nLayer).squareRoot()
        for t in layout.tensors {
            let p = params.base + t.offset
            if t.name.hasSuffix("ln_1.weight") || t.name.hasSuffix("ln_2.weight") || t.name == "ln_f.weight" {
                for i in 0..<t.count { p[i] = 1 }
            } else if t.shape.count == 2 {
                let std: Float = t.name.hasSuffix("c_proj.weight") ? residualStd : 0.02
                for i in 0..<t.count { p[i] = rng.normalFloat(std: std) }
            }  // biases stay 0
        }
    }

    /// A model with the given parameters (flat, `layout` order).
    public init(config: GPTConfig, parameters: [Float]) throws(GPTError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        guard parameters.count == layout.count else {
            throw .invalidConfig("expected \(layout.count) parameters, got \(parameters.count)")
        }
        params = FloatBuffer(count: layout.count)
        grads = FloatBuffer(count: layout.count)
        parameters.withUnsafeBufferPointer { params.base.update(from: $0.baseAddress!, count: layout.count) }
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// Sets all gradients to zero (the one explicit call; every backward accumulates).
    public func zeroGrad() { grads.zero() }

    // MARK: Forward

    /// Runs the model on `tokens` (B,T), row-major, T ≤ contextLength. With `targets` (B,T) it also
    /// computes `logProbs` (log p(target) per position, temperature 1), `entropies` and `probabilities`.
    /// With `logits: false` it stops at the final hidden state (`hidden`): a value model needs no
    /// vocabulary projection. The batch is split across `Parallelism.threads` threads (data
    /// parallel, identical math). Activation memory is kept between calls and grown only when a
    /// larger (B,T) needs it, so batches of varying length reuse it.
    ///
    /// `positions` (B,T) packs several documents into a row: each document's positions count from
    /// 0, a position attends only within its document, and its position embedding is its own
    /// position's, so a packed document computes exactly what it would alone in a row (pretraining
    /// packs; sampling and RL leave it nil: position t).
    public func forward(tokens: [Int32], targets: [Int32]? = nil, B: Int, T: Int, positions: [Int32]? = nil,
                        logits: Bool = true) {
        precondition(B > 0 && T > 0 && T <= config.contextLength, "need 0 < T ≤ contextLength")
        precondition(tokens.count == B * T && (targets?.count ?? B * T) == B * T, "tokens/targets must be B×T")
        precondition(logits || targets == nil, "targets need the logits")
        let V = config.vocabSize
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < V }, "token id out of range")
        if let targets { precondition(targets.allSatisfy { $0 >= 0 && Int($0) < V }, "target id out of range") }
        if let positions {
            precondition(positions.count == B * T && positions.allSatisfy { $0 >= 0 && Int($0) < config.contextLength },
                         "positions must be B×T, each below contextLength")
        }
        let parts = split(B, into: max(1, min(Parallelism.threads, B)))
        if parts != ranges || self.T != T {
            let old = shards
            shards = parts.enumerated().map { k, r in
                let reuse = k < old.count ? old[k] : nil
                return Shard(self.config, B: r.count, T: T, storage: reuse?.a.storage,
                             ownGrads: k == 0 ? nil : (reuse?.ownGrads ?? FloatBuffer(count: self.layout.count)))
            }
            ranges = parts
        }
        self.B = B; self.T = T
        hasTargets = targets != nil
        hasLogits = logits
        let params = self.params.base, layout = self.layout, shards = self.shards
        for (k, r) in parts.enumerated() {
            shards[k].tokens.replaceSubrange(0..., with: tokens[(r.lowerBound * T)..<(r.upperBound * T)])
            if let targets { shards[k].targets.replaceSubrange(0..., with: targets[(r.lowerBound * T)..<(r.upperBound * T)]) }
            shards[k].positions = positions.map { Array($0[(r.lowerBound * T)..<(r.upperBound * T)]) }
        }
        parallelFor(shards.count) { k in
            shards[k].forward(params, layout, withTargets: targets != nil, logits: logits)
        }
    }

    /// Logits (B,T,V) of the last forward.
    public var logits: [Float] { shards.flatMap { $0.output(\.logits, perPosition: config.vocabSize) } }
    /// log p(target) per position (B,T) of the last forward with targets (temperature-1 distribution).
    public var logProbs: [Float] { shards.flatMap { $0.output(\.logprob, perPosition: 1) } }
    /// Entropy (nats) of the next-token distribution per position (B,T) of the last forward with targets.
    public var entropies: [Float] { shards.flatMap { $0.output(\.entropy, perPosition: 1) } }
    /// The next-token distribution (B,T,V) of the last forward with targets.
    public var probabilities: [Float] { shards.flatMap { $0.output(\.probs, perPosition: config.vocabSize) } }
    /// The final hidden state (B,T,C) of the last forward: the output of ln_f, what the tied head and
    /// a value head read.
    public var hidden: [Float] { shards.flatMap { $0.output(\.lnf, perPosition: config.nEmbd) } }

    // MARK: Backward

    /// Accumulates into `grads` the gradient of Σ_{b,t} dLogProbs[b,t] · logProbs[b,t].
    /// For mean cross-entropy over unmasked positions pass −mask/Σmask; for a policy-gradient loss
    /// pass −advantage·weight. Needs the previous `forward` to have had targets.
    public func backward(dLogProbs: [Float]) { backward(dLogProbs: dLogProbs, dLogits: nil, dHidden: nil) }

    /// Accumulates into `grads` the gradient of a loss whose derivatives are given with respect to
    /// any of: the target log-probs (B,T), the full logits (B,T,V) and the final hidden state (B,T,C)
    /// (nil: none through that path). The paths add up, so a loss that mixes a policy term, an
    /// exact KL over the vocabulary and a value head on the same trunk is one backward.
    /// `dLogProbs` needs a forward with targets; `dLogits` a forward with logits.
    public func backward(dLogProbs: [Float]?, dLogits: [Float]?, dHidden: [Float]?) {
        precondition(dLogProbs == nil || hasTargets, "dLogProbs needs a forward with targets")
        precondition((dLogProbs == nil && dLogits == nil) || hasLogits, "dLogProbs/dLogits need a forward with logits")
        let BT = B * T
        precondition(dLogProbs.map { $0.count == BT } ?? true, "dLogProbs must be B×T")
        precondition(dLogits.map { $0.count == BT * config.vocabSize } ?? true, "dLogits must be B×T×V")
        precondition(dHidden.map { $0.count == BT * config.nEmbd } ?? true, "dHidden must be B×T×C")
        let params = self.params.base, grads = self.grads.base, layout = self.layout, shards = self.shards, T = self.T
        let V = config.vocabSize, C = config.nEmbd
        for (k, r) in ranges.enumerated() {
            let sh = shards[k]
            sh.paths = (dLogProbs != nil, dLogits != nil, dHidden != nil)
            if let dLogProbs { sh.dlogprob.replaceSubrange(0..., with: dLogProbs[(r.lowerBound * T)..<(r.upperBound * T)]) }
            if let dLogits {
                dLogits[(r.lowerBound * T * V)..<(r.upperBound * T * V)].withUnsafeBufferPointer {
                    sh.a.dlogits.update(from: $0.baseAddress!, count: r.count * T * V)
                }
            }
            if let dHidden {
                dHidden[(r.lowerBound * T * C)..<(r.upperBound * T * C)].withUnsafeBufferPointer {
                    sh.a.dlnfIn.update(from: $0.baseAddress!, count: r.count * T * C)
                }
            }
        }
        parallelFor(shards.count) { k in
            let g = shards[k].ownGrads
            g?.zero()
            shards[k].backward(params, g?.base ?? grads, layout)
        }
        // Sum the other shards' gradients into the model's.
        let n = layout.count
        for sh in shards.dropFirst() {
            let src = sh.ownGrads!.base
            parallelFor(2) { part in
                let r = split(n, into: 2)[part]
                for i in r { grads[i] += src[i] }
            }
        }
    }

    // MARK: Conveniences

    /// Mean cross-entropy (nats) over positions with nonzero `mask` (all positions if nil) of the last
    /// forward with targets.
    public func meanLoss(mask: [Float]? = nil) -> Float {
        let lp = logProbs
        var s = 0.0, w = 0.0
        for i in 0..<lp.count {
            let m = Double(mask?[i] ?? 1)
            s -= m * Double(lp[i]); w += m
        }
        return w > 0 ? Float(s / w) : 0
    }

    /// forward + zeroGrad + backward for the mean cross-entropy over unmasked positions; returns the loss.
    @discardableResult
    public func trainingStep(tokens: [Int32], targets: [Int32], B: Int, T: Int, mask: [Float]? = nil) -> Float {
        forward(tokens: tokens, targets: targets, B: B, T: T)
        let loss = meanLoss(mask: mask)
        let m = mask ?? [Float](repeating: 1, count: B * T)
        let total = m.reduce(0, +)
        zeroGrad()
        backward(dLogProbs: m.map { total > 0 ? -$0 / total : 0 })
        return loss
    }
}

// MARK: - Shard

/// The activations of one slice of the batch, in one flat buffer, plus backward scratch, and the
/// forward/backward over that slice. Shard 0 writes gradients into the model's buffer; the others into
/// their own `ownGrads`, summed afterwards.
final class Shard {
    let B: Int, T: Int
    let a: Activations
    let ownGrads: FloatBuffer?
    var tokens: [Int32], targets: [Int32]
    /// Per-document positions of a packed batch, or nil (position t).
    var positions: [Int32]?
    var dlogprob: [Float]
    /// Which gradients the next backward starts from: (dlogprob, dlogits, dHidden).
    var paths = (logProbs: true, logits: false, hidden: false)
    let config: GPTConfig

    init(_ c: GPTConfig, B: Int, T: Int, storage: FloatBuffer? = nil, ownGrads: FloatBuffer?) {
        self.B = B; self.T = T; config = c
        a = Activations(c, B: B, T: T, reusing: storage)
        self.ownGrads = ownGrads
        tokens = [Int32](repeating: 0, count: B * T)
        targets = [Int32](repeating: 0, count: B * T)
        dlogprob = [Float](repeating: 0, count: B * T)
    }

    func output(_ key: KeyPath<Activations, UnsafeMutablePointer<Float>>, perPosition n: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: a[keyPath: key], count: B * T * n))
    }

    func forward(_ P: UnsafeMutablePointer<Float>, _ lay: ParameterLayout, withTargets: Bool, logits: Bool) {
        let V = config.vocabSize, C = config.nEmbd, L = config.nLayer, NH = config.nHead
        let BT = B * T, a = self.a
        @inline(__always) func p(_ o: Int) -> UnsafeMutablePointer<Float> { P + o }
        @inline(__always) func pOpt(_ o: Int) -> UnsafeMutablePointer<Float>? { o < 0 ? nil : P + o }
        let pos = positions.map { Int32Buffer($0) }
        tokens.withUnsafeBufferPointer { tok in
            encoderForward(a.encoded, tok.baseAddress!, p(lay.wte), p(lay.wpe), B, T, C, positions: pos?.base)
        }
        for l in 0..<L {
            let resIn = l == 0 ? a.encoded : a.res3(l - 1)
            layerNormForward(a.ln1(l), a.ln1Mean(l), a.ln1Rstd(l), resIn, p(lay.ln1w[l]), pOpt(lay.ln1b[l]), BT, C)
            matmulForward(a.qkv(l), a.ln1(l), p(lay.qkvw[l]), pOpt(lay.qkvb[l]), BT, C, 3 * C)
            attentionForward(a.atty(l), a.att(l), a.qkv(l), B, T, C, NH, positions: pos?.base)
            matmulForward(a.attproj(l), a.atty(l), p(lay.attprojw[l]), pOpt(lay.attprojb[l]), BT, C, C)
            residualForward(a.res2(l), resIn, a.attproj(l), BT * C)
            layerNormForward(a.ln2(l), a.ln2Mean(l), a.ln2Rstd(l), a.res2(l), p(lay.ln2w[l]), pOpt(lay.ln2b[l]), BT, C)
            matmulForward(a.fch(l), a.ln2(l), p(lay.fcw[l]), pOpt(lay.fcb[l]), BT, C, 4 * C)
            geluForward(a.fchGelu(l), a.fch(l), BT * 4 * C)
            matmulForward(a.fcproj(l), a.fchGelu(l), p(lay.fcprojw[l]), pOpt(lay.fcprojb[l]), BT, 4 * C, C)
            residualForward(a.res3(l), a.res2(l), a.fcproj(l), BT * C)
        }
        layerNormForward(a.lnf, a.lnfMean, a.lnfRstd, a.res3(L - 1), p(lay.lnfw), pOpt(lay.lnfb), BT, C)
        if !logits { return }
        // Tied lm_head: logits (BT,V) = lnf (BT,C) · wteᵀ.
        gemm(.no, .yes, BT, V, C, 1, a.lnf, C, p(lay.wte), C, 0, a.logits, V)
        if withTargets {
            targets.withUnsafeBufferPointer { tg in
                logProbForward(a.logprob, a.entropy, a.probs, a.logits, tg.baseAddress!, BT, V)
            }
        }
    }

    func backward(_ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, _ lay: ParameterLayout) {
        let V = config.vocabSize, C = config.nEmbd, L = config.nLayer, NH = config.nHead
        let BT = B * T, a = self.a
        @inline(__always) func p(_ o: Int) -> UnsafeMutablePointer<Float> { P + o }
        @inline(__always) func g(_ o: Int) -> UnsafeMutablePointer<Float> { G + o }
        @inline(__always) func gOpt(_ o: Int) -> UnsafeMutablePointer<Float>? { o < 0 ? nil : G + o }
        let pos = positions.map { Int32Buffer($0) }
        // dlogits: given (exact-KL terms) and/or from the target log-probs.
        if !paths.logits { a.dlogits.update(repeating: 0, count: BT * V) }
        if paths.logProbs {
            targets.withUnsafeBufferPointer { tg in
                dlogprob.withUnsafeBufferPointer { dl in
                    logProbBackward(a.dlogits, dl.baseAddress!, a.probs, tg.baseAddress!, BT, V)
                }
            }
        }
        // lm_head: dlnf = dlogits · wte (+ dHidden) ; dwte += dlogitsᵀ · lnf
        if paths.logProbs || paths.logits {
            if paths.hidden { a.dln.update(from: a.dlnfIn, count: BT * C) }
            gemm(.no, .no, BT, C, V, 1, a.dlogits, V, p(lay.wte), C, paths.hidden ? 1 : 0, a.dln, C)
            gemm(.yes, .no, V, C, BT, 1, a.dlogits, V, a.lnf, C, 1, g(lay.wte), C)
        } else if paths.hidden {
            a.dln.update(from: a.dlnfIn, count: BT * C)
        } else {
            a.dln.update(repeating: 0, count: BT * C)
        }
        a.dres.update(repeating: 0, count: BT * C)
        layerNormBackward(a.dres, g(lay.lnfw), gOpt(lay.lnfb), a.dln, a.res3(L - 1), p(lay.lnfw), a.lnfMean, a.lnfRstd, BT, C)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let resIn = l == 0 ? a.encoded : a.res3(l - 1)
            // res3 = res2 + fcproj: dres flows to both unchanged.
            a.dfchGelu.update(repeating: 0, count: BT * 4 * C)
            matmulBackward(a.dfchGelu, g(lay.fcprojw[l]), gOpt(lay.fcprojb[l]), a.dres, a.fchGelu(l), p(lay.fcprojw[l]), BT, 4 * C, C)
            a.dfch.update(repeating: 0, count: BT * 4 * C)
            geluBackward(a.dfch, a.fch(l), a.dfchGelu, BT * 4 * C)
            a.dln.update(repeating: 0, count: BT * C)
            matmulBackward(a.dln, g(lay.fcw[l]), gOpt(lay.fcb[l]), a.dfch, a.ln2(l), p(lay.fcw[l]), BT, C, 4 * C)
            layerNormBackward(a.dres, g(lay.ln2w[l]), gOpt(lay.ln2b[l]), a.dln, a.res2(l), p(lay.ln2w[l]), a.ln2Mean(l), a.ln2Rstd(l), BT, C)
            // res2 = resIn + attproj
            a.datty.update(repeating: 0, count: BT * C)
            matmulBackward(a.datty, g(lay.attprojw[l]), gOpt(lay.attprojb[l]), a.dres, a.atty(l), p(lay.attprojw[l]), BT, C, C)
            a.dqkv.update(repeating: 0, count: BT * 3 * C)
            attentionBackward(a.dqkv, a.scratch, a.datty, a.qkv(l), a.att(l), B, T, C, NH, positions: pos?.base)
            a.dln.update(repeating: 0, count: BT * C)
            matmulBackward(a.dln, g(lay.qkvw[l]), gOpt(lay.qkvb[l]), a.dqkv, a.ln1(l), p(lay.qkvw[l]), BT, C, 3 * C)
            layerNormBackward(a.dres, g(lay.ln1w[l]), gOpt(lay.ln1b[l]), a.dln, resIn, p(lay.ln1w[l]), a.ln1Mean(l), a.ln1Rstd(l), BT, C)
        }
        tokens.withUnsafeBufferPointer { tok in
            encoderBackward(g(lay.wte), g(lay.wpe), a.dres, tok.baseAddress!, B, T, C, positions: pos?.base)
        }
    }
}

// MARK: - Activations

/// One flat buffer for every activation of a (B,T) forward, plus backward scratch.
final class Activations {
    let B: Int, T: Int
    let storage: FloatBuffer
    // Offsets (floats) of each region; per-layer regions are L consecutive blocks.
    private let C: Int, L: Int, NH: Int, V: Int
    let encoded: UnsafeMutablePointer<Float>                         // (B,T,C)
    private let ln1P, ln1MeanP, ln1RstdP, qkvP, attyP, attP, attprojP, res2P: UnsafeMutablePointer<Float>
    private let ln2P, ln2MeanP, ln2RstdP, fchP, fchGeluP, fcprojP, res3P: UnsafeMutablePointer<Float>
    let lnf, lnfMean, lnfRstd, logits, probs, logprob, entropy: UnsafeMutablePointer<Float>
    // Backward scratch, reused by every layer.
    let dlogits, dln, dres, datty, dqkv, dfch, dfchGelu, scratch: UnsafeMutablePointer<Float>
    /// The gradient with respect to the final hidden state given by the caller (a value head's).
    let dlnfIn: UnsafeMutablePointer<Float>

    /// Carves the regions for (B,T) out of `reusing` when it is large enough, else a new buffer.
    init(_ c: GPTConfig, B: Int, T: Int, reusing: FloatBuffer? = nil) {
        self.B = B; self.T = T
        C = c.nEmbd; L = c.nLayer; NH = c.nHead; V = c.vocabSize
        let sizes = Activations.sizes(c, B: B, T: T)
        let total = sizes.reduce(0, +)
        if let reusing, reusing.count >= total {
            storage = reusing
        } else {
            // Grow with headroom: batches of varying length (RL's chunks) would otherwise allocate
            // (and fault in) new memory each time their longest grows by a token.
            let roomy = Activations.sizes(c, B: B, T: min(c.contextLength, (T + 63) / 64 * 64)).reduce(0, +)
            storage = FloatBuffer(count: max(total, roomy))
        }
        var ptrs: [UnsafeMutablePointer<Float>] = []
        var o = 0
        for s in sizes { ptrs.append(storage.base + o); o += s }
        encoded = ptrs[0]
        ln1P = ptrs[1]; ln1MeanP = ptrs[2]; ln1RstdP = ptrs[3]; qkvP = ptrs[4]; attyP = ptrs[5]
        attP = ptrs[6]; attprojP = ptrs[7]; res2P = ptrs[8]
        ln2P = ptrs[9]; ln2MeanP = ptrs[10]; ln2RstdP = ptrs[11]; fchP = ptrs[12]; fchGeluP = ptrs[13]
        fcprojP = ptrs[14]; res3P = ptrs[15]
        lnf = ptrs[16]; lnfMean = ptrs[17]; lnfRstd = ptrs[18]; logits = ptrs[19]; probs = ptrs[20]
        logprob = ptrs[21]; entropy = ptrs[22]
        dlogits = ptrs[23]; dln = ptrs[24]; dres = ptrs[25]; datty = ptrs[26]; dqkv = ptrs[27]
        dfch = ptrs[28]; dfchGelu = ptrs[29]; scratch = ptrs[30]; dlnfIn = ptrs[31]
    }

    /// The floats of each region for (B,T), in layout order.
    static func sizes(_ c: GPTConfig, B: Int, T: Int) -> [Int] {
        let C = c.nEmbd, L = c.nLayer, NH = c.nHead, V = c.vocabSize, BT = B * T
        return [
            BT * C,                                                        // encoded
            L * BT * C, L * BT, L * BT, L * BT * 3 * C, L * BT * C,      // ln1, mean, rstd, qkv, atty
            L * B * NH * T * T, L * BT * C, L * BT * C,                  // att, attproj, res2
            L * BT * C, L * BT, L * BT, L * BT * 4 * C, L * BT * 4 * C,  // ln2, mean, rstd, fch, fchGelu
            L * BT * C, L * BT * C,                                      // fcproj, res3
            BT * C, BT, BT, BT * V, BT * V, BT, BT,                      // lnf, mean, rstd, logits, probs, logprob, entropy
            BT * V, BT * C, BT * C, BT * C, BT * 3 * C, BT * 4 * C, BT * 4 * C, T * T,  // backward scratch
            BT * C,                                                      // dlnfIn
        ]
    }

    @inline(__always) func ln1(_ l: Int) -> UnsafeMutablePointer<Float> { ln1P + l * B * T * C }
    @inline(__always) func ln1Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ln1MeanP + l * B * T }
    @inline(__always) func ln1Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ln1RstdP + l * B * T }
    @inline(__always) func qkv(_ l: Int) -> UnsafeMutablePointer<Float> { qkvP + l * B * T * 3 * C }
    @inline(__always) func atty(_ l: Int) -> UnsafeMutablePointer<Float> { attyP + l * B * T * C }
    @inline(__always) func att(_ l: Int) -> UnsafeMutablePointer<Float> { attP + l * B * NH * T * T }
    @inline(__always) func attproj(_ l: Int) -> UnsafeMutablePointer<Float> { attprojP + l * B * T * C }
    @inline(__always) func res2(_ l: Int) -> UnsafeMutablePointer<Float> { res2P + l * B * T * C }
    @inline(__always) func ln2(_ l: Int) -> UnsafeMutablePointer<Float> { ln2P + l * B * T * C }
    @inline(__always) func ln2Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ln2MeanP + l * B * T }
    @inline(__always) func ln2Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ln2RstdP + l * B * T }
    @inline(__always) func fch(_ l: Int) -> UnsafeMutablePointer<Float> { fchP + l * B * T * 4 * C }
    @inline(__always) func fchGelu(_ l: Int) -> UnsafeMutablePointer<Float> { fchGeluP + l * B * T * 4 * C }
    @inline(__always) func fcproj(_ l: Int) -> UnsafeMutablePointer<Float> { fcprojP + l * B * T * C }
    @inline(__always) func res3(_ l: Int) -> UnsafeMutablePointer<Float> { res3P + l * B * T * C }
}

/// A copy of an Int32 array at a stable address for the kernels' pointer arguments.
final class Int32Buffer {
    let base: UnsafeMutablePointer<Int32>
    let count: Int

    init(_ values: [Int32]) {
        count = values.count
        base = .allocate(capacity: max(1, count))
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: count) }
    }

    deinit { base.deallocate() }
}
