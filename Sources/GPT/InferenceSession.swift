// KV-cache inference: appends tokens to many sequences at once (ragged rows), each at its own positions.
// Letters: R rows in this call, S sequence slots, T context, C channels, V vocab, L layers, NH heads.
import Foundation

/// Which rows of an `append` call get logits.
public enum LogitRows: Sendable { case last, all }

/// Holds a KV cache for `slots` sequences and runs the model incrementally.
///
/// Positions are per sequence (no padding): a sequence's tokens sit at positions 0, 1, 2, … of its own
/// slot, exactly as in an unbatched forward, so batching never changes a sequence's logits. A call may
/// append several tokens to a sequence (prefill) and one token to another (decode); all rows of a layer
/// write their keys/values before any row attends, so in-call causality holds.
public final class InferenceSession {
    public let model: GPTModel
    public let slots: Int
    /// Tokens held so far per slot.
    public private(set) var lengths: [Int]
    // Values per head, (L, S, NH, Tp, hs): one position's head slice is contiguous.
    // Keys per head in blocks of eight positions, (L, S, NH, Tp/8, hs, 8): the eight positions of one
    // channel are contiguous, so eight scores are one SIMD8 multiply-add per channel with no horizontal sums.
    // Tp is the context rounded up to a multiple of 8.
    private let kcache: FloatBuffer, vcache: FloatBuffer
    private let tPad: Int
    private var rowCapacity = 0
    private var work: FloatBuffer?
    // Row buffers (pointers into `work`), sized for rowCapacity rows.
    private var x, ln, qkv, atty, tmp, fch, fchg, logitsBuf: UnsafeMutablePointer<Float>!
    private var rowSlot: [Int] = [], rowPos: [Int] = [], rowTok: [Int] = [], outRows: [Int] = []
    private let scores: FloatBuffer          // (T) attention scratch

    public init(model: GPTModel, slots: Int) {
        self.model = model
        self.slots = slots
        let c = model.config
        lengths = [Int](repeating: 0, count: slots)
        tPad = (c.contextLength + 7) / 8 * 8
        kcache = FloatBuffer(count: c.nLayer * slots * tPad * c.nEmbd)
        vcache = FloatBuffer(count: c.nLayer * slots * tPad * c.nEmbd)
        scores = FloatBuffer(count: tPad)
    }

    /// Forgets every sequence (lengths to 0); the cache memory is reused.
    public func reset() { for i in 0..<slots { lengths[i] = 0 } }
    /// Forgets one sequence.
    public func reset(slot: Int) { lengths[slot] = 0 }

    private func ensureRows(_ R: Int) {
        guard R > rowCapacity else { return }
        let c = model.config, C = c.nEmbd
        let cap = max(R, rowCapacity * 2)
        let sizes = [cap * C, cap * C, cap * 3 * C, cap * C, cap * C, cap * 4 * C, cap * 4 * C, cap * c.vocabSize]
        let w = FloatBuffer(count: sizes.reduce(0, +))
        var o = 0
        var ptrs: [UnsafeMutablePointer<Float>] = []
        for s in sizes { ptrs.append(w.base + o); o += s }
        x = ptrs[0]; ln = ptrs[1]; qkv = ptrs[2]; atty = ptrs[3]; tmp = ptrs[4]; fch = ptrs[5]; fchg = ptrs[6]
        logitsBuf = ptrs[7]
        work = w
        rowCapacity = cap
    }

    /// Appends `tokens[i]` to sequence `slotIDs[i]` and returns the logits (temperature 1) of the last
    /// appended position of each sequence (`.last`, one row per entry, in order) or of every appended
    /// position (`.all`, rows in order). The returned buffer is valid until the next call.
    public func append(slots slotIDs: [Int], tokens: [[Int]], logits: LogitRows = .last) -> UnsafeBufferPointer<Float> {
        precondition(slotIDs.count == tokens.count)
        rowSlot.removeAll(keepingCapacity: true); rowPos.removeAll(keepingCapacity: true)
        rowTok.removeAll(keepingCapacity: true); outRows.removeAll(keepingCapacity: true)
        for (s, toks) in zip(slotIDs, tokens) {
            precondition(!toks.isEmpty && lengths[s] + toks.count <= model.config.contextLength,
                         "sequence exceeds the context length")
            for (j, t) in toks.enumerated() {
                if logits == .all || j == toks.count - 1 { outRows.append(rowTok.count) }
                rowSlot.append(s); rowPos.append(lengths[s] + j); rowTok.append(t)
            }
            lengths[s] += toks.count
        }
        return run()
    }

    /// Single-token fast path for decoding: appends `tokens[i]` to `slotIDs[i]`; returns (n, V) logits.
    public func appendOne(slots slotIDs: [Int], tokens: [Int]) -> UnsafeBufferPointer<Float> {
        precondition(slotIDs.count == tokens.count)
        rowSlot.removeAll(keepingCapacity: true); rowPos.removeAll(keepingCapacity: true)
        rowTok.removeAll(keepingCapacity: true); outRows.removeAll(keepingCapacity: true)
        for (i, s) in slotIDs.enumerated() {
            precondition(lengths[s] < model.config.contextLength, "sequence exceeds the context length")
            outRows.append(i); rowSlot.append(s); rowPos.append(lengths[s]); rowTok.append(tokens[i])
            lengths[s] += 1
        }
        return run()
    }

    private func run() -> UnsafeBufferPointer<Float> {
        let c = model.config, lay = model.layout
        let C = c.nEmbd, L = c.nLayer, NH = c.nHead, hs = c.headSize, V = c.vocabSize
        var R = rowTok.count
        ensureRows(R)
        let P = model.params.base
        func p(_ o: Int) -> UnsafeMutablePointer<Float> { P + o }
        func pOpt(_ o: Int) -> UnsafeMutablePointer<Float>? { o < 0 ? nil : P + o }
        // x (R,C) = wte[token] + wpe[pos]
        for r in 0..<R {
            let o = x + r * C, e = P + lay.wte + rowTok[r] * C, q = P + lay.wpe + rowPos[r] * C
            for i in 0..<C { o[i] = e[i] + q[i] }
        }
        let scale = 1 / Float(hs).squareRoot()
        for l in 0..<L {
            layerNormForward(ln, nil, nil, x, p(lay.ln1w[l]), pOpt(lay.ln1b[l]), R, C)
            matmulForwardFewRows(qkv, ln, p(lay.qkvw[l]), pOpt(lay.qkvb[l]), R, C, 3 * C)
            // Write this call's keys and values first, then attend (rows of one sequence see each other).
            let Tp = tPad
            let kl = kcache.base + l * slots * Tp * C, vl = vcache.base + l * slots * Tp * C
            for r in 0..<R {
                let t = rowPos[r]
                let k = qkv + r * 3 * C + C, v = k + C
                for h in 0..<NH {
                    let kd = kl + (rowSlot[r] * NH + h) * Tp * hs + (t >> 3) * hs * 8 + (t & 7)
                    let ks = k + h * hs
                    for i in 0..<hs { kd[i * 8] = ks[i] }
                    (vl + ((rowSlot[r] * NH + h) * Tp + t) * hs).update(from: v + h * hs, count: hs)
                }
            }
            if l == L - 1 && outRows.count < R {
                // Past the last layer's keys and values only the rows whose logits are wanted matter
                // (prefill): move them (residual and query) to the front and finish the layer on them.
                for (i, r) in outRows.enumerated() where i != r {
                    (x + i * C).update(from: x + r * C, count: C)
                    (qkv + i * 3 * C).update(from: qkv + r * 3 * C, count: C)
                    rowPos[i] = rowPos[r]; rowSlot[i] = rowSlot[r]
                }
                R = outRows.count
            }
            // One row attends over its own sequence's cached positions 0...pos.
            let rowPos = self.rowPos, rowSlot = self.rowSlot, qkv = self.qkv!, atty = self.atty!, sc = scores.base
            for r in 0..<R {
                let n = rowPos[r] + 1
                for h in 0..<NH {
                    let q = qkv + r * 3 * C + h * hs
                    let kb = kl + (rowSlot[r] * NH + h) * Tp * hs
                    let vb = vl + (rowSlot[r] * NH + h) * Tp * hs
                    attendCached(atty + r * C + h * hs, q, kb, vb, n, hs, scale, sc)
                }
            }
            matmulForwardFewRows(tmp, atty, p(lay.attprojw[l]), pOpt(lay.attprojb[l]), R, C, C)
            residualForward(x, x, tmp, R * C)
            layerNormForward(ln, nil, nil, x, p(lay.ln2w[l]), pOpt(lay.ln2b[l]), R, C)
            matmulForwardFewRows(fch, ln, p(lay.fcw[l]), pOpt(lay.fcb[l]), R, C, 4 * C)
            geluForward(fchg, fch, R * 4 * C)
            matmulForwardFewRows(tmp, fchg, p(lay.fcprojw[l]), pOpt(lay.fcprojb[l]), R, 4 * C, C)
            residualForward(x, x, tmp, R * C)
        }
        // Final LayerNorm and the tied lm_head on the rows whose logits are wanted, now rows 0..<O.
        let O = R
        layerNormForward(ln, nil, nil, x, p(lay.lnfw), pOpt(lay.lnfb), O, C)
        gemm(.no, .yes, O, V, C, 1, ln, C, p(lay.wte), C, 0, logitsBuf, V)
        return UnsafeBufferPointer(start: logitsBuf, count: O * V)
    }
}

