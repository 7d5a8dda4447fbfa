// Whole-model backward against central differences of the Double reference model, and training sanity.
import Foundation
import GPT
import Testing

struct ModelCase: CustomTestStringConvertible, Sendable {
    var name: String, bias: Bool, B: Int, T: Int
    var testDescription: String { name }
}

@Test("model backward matches central differences of the Double reference", arguments: [
    ModelCase(name: "with biases, T < context", bias: true, B: 2, T: 5),
    ModelCase(name: "without biases, full context", bias: false, B: 1, T: 6),
])
func modelBackwardMatchesNumericGradient(_ c: ModelCase) throws {
    let config = microConfig(bias: c.bias)
    let model = try scrambledModel(config, seed: 5)
    var rng = GPTRandom(seed: 6)
    let n = c.B * c.T
    let tokens = (0..<n).map { _ in Int32(rng.int(below: config.vocabSize)) }
    let targets = (0..<n).map { _ in Int32(rng.int(below: config.vocabSize)) }
    // Per-position weights, some zero (masked), some negative (as advantages can be).
    let w: [Float] = (0..<n).map { i in i % 4 == 1 ? 0 : rng.normalFloat() }
    model.forward(tokens: tokens, targets: targets, B: c.B, T: c.T)
    model.zeroGrad()
    model.backward(dLogProbs: w)
    let analytic = model.grads.array

    let p = model.params.array.doubles, layout = model.layout
    let wd = w.doubles
    func loss(_ q: [Double]) -> Double {
        dot(wd, Ref.logProb(Ref.logits(q, layout, tokens, c.B, c.T), targets, n, config.vocabSize))
    }
    // Forward agrees with the reference first.
    let refLP = Ref.logProb(Ref.logits(p, layout, tokens, c.B, c.T), targets, n, config.vocabSize)
    #expect(relativeError(Array(model.logProbs), refLP) < 1e-5)

    // A spread of indices from every tensor.
    var indices: [Int] = []
    for t in layout.tensors {
        for k in 0..<min(t.count, 5) { indices.append(t.offset + (k * 7919 + 13) % t.count) }
    }
    let numeric = numericGradient(p, at: indices, loss)
    let picked = indices.map { analytic[$0] }
    let scale = numeric.map(abs).max() ?? 1
    for (k, i) in indices.enumerated() {
        let err = abs(Double(picked[k]) - numeric[k])
        let name = layout.tensors.last { $0.offset <= i }!.name
        #expect(err <= 1e-4 * scale + 1e-3 * abs(numeric[k]), "\(name)[\(i)]: analytic \(picked[k]) numeric \(numeric[k])")
    }
    // Unused positions in the table (t ≥ T) get no gradient.
    if c.T < config.contextLength {
        let wpe = layout.tensor(named: "wpe.weight")!
        let tail = (c.T * config.nEmbd)..<(config.contextLength * config.nEmbd)
        #expect(tail.allSatisfy { analytic[wpe.offset + $0] == 0 })
    }
}

@Test func backwardAccumulatesUntilZeroGrad() throws {
    let model = try scrambledModel(microConfig(), seed: 8)
    let x: [Int32] = [1, 2, 3, 4], y: [Int32] = [2, 3, 4, 5]
    let g = [Float](repeating: -0.25, count: 4)
    model.forward(tokens: x, targets: y, B: 1, T: 4)
    model.zeroGrad()
    model.backward(dLogProbs: g)
    let once = model.grads.array
    model.backward(dLogProbs: g)
    let twice = model.grads.array
    #expect(zip(once, twice).allSatisfy { abs(2 * $0 - $1) <= 1e-6 * max(1, abs($1)) })
    model.zeroGrad()
    #expect(model.grads.array.allSatisfy { $0 == 0 })
}

@Test func tinyModelOverfitsOneBatch() throws {
    let config = GPTConfig(vocabSize: 13, contextLength: 16, nLayer: 2, nHead: 2, nEmbd: 32)
    let model = try GPTModel(config: config, seed: 1)
    let opt = AdamW(layout: model.layout, parameters: AdamWParameters(weightDecay: 0))
    var rng = GPTRandom(seed: 2)
    let B = 4, T = 16
    let data = (0..<(B * (T + 1))).map { _ in Int32(rng.int(below: config.vocabSize)) }
    var x: [Int32] = [], y: [Int32] = []
    for b in 0..<B {
        let start: Int = b * (T + 1)
        x.append(contentsOf: data[start..<(start + T)])
        y.append(contentsOf: data[(start + 1)..<(start + T + 1)])
    }
    let first = model.trainingStep(tokens: x, targets: y, B: B, T: T)
    opt.update(model, learningRate: 1e-2)
    var loss = first
    for _ in 0..<150 {
        loss = model.trainingStep(tokens: x, targets: y, B: B, T: T)
        opt.update(model, learningRate: 1e-2)
    }
    #expect(first > 2.0)
    #expect(loss < 0.05, "loss \(first) → \(loss)")
}

@Test func initialLossIsNearUniform() throws {
    // GPT-2 init gives near-uniform predictions: loss ≈ ln V.
    let config = microConfig()
    let model = try GPTModel(config: config, seed: 3)
    let x: [Int32] = [1, 2, 3, 4, 5, 6], y: [Int32] = [2, 3, 4, 5, 6, 7]
    model.forward(tokens: x, targets: y, B: 1, T: 6)
    #expect(abs(model.meanLoss() - Float(log(Double(config.vocabSize)))) < 0.05)
    // Entropy of a near-uniform distribution is ≈ ln V too.
    #expect(model.entropies.allSatisfy { abs($0 - Float(log(11.0))) < 0.05 })
}

@Test func layoutNamesAndShapesFollowGPT2() {
    let l = ParameterLayout(.tiny)
    #expect(l.count == 809_856 + 0)   // the peers' parameter count with biases
    #expect(l.tensor(named: "wte.weight")?.shape == [65, 128])
    #expect(l.tensor(named: "wpe.weight")?.shape == [64, 128])
    #expect(l.tensor(named: "h.3.attn.c_attn.weight")?.shape == [128, 384])
    #expect(l.tensor(named: "h.0.mlp.c_proj.weight")?.shape == [512, 128])
    #expect(l.tensor(named: "ln_f.bias")?.shape == [128])
    #expect(ParameterLayout(.small).count == 10_770_816)
    // Offsets tile the buffer exactly.
    var o = 0
    for t in l.tensors { #expect(t.offset == o); o += t.count }
    #expect(o == l.count)
}

/// The backward entry points the RL learners use (from the full logits and from the final hidden
/// state, alone or together with the log-probs) against central differences of the reference.
@Test(arguments: [(true, true, true), (false, true, false), (false, false, true), (true, false, true)])
func backwardFromLogitsAndHiddenMatchesNumericGradient(fromLogProbs: Bool, fromLogits: Bool, fromHidden: Bool) throws {
    let config = microConfig()
    let model = try scrambledModel(config, seed: 11)
    let (B, T, V, C) = (2, 4, config.vocabSize, config.nEmbd)
    var rng = GPTRandom(seed: 12)
    let tokens = (0..<(B * T)).map { _ in Int32(rng.int(below: V)) }
    let targets = (0..<(B * T)).map { _ in Int32(rng.int(below: V)) }
    let a = randomFloats(B * T, &rng), b = randomFloats(B * T * V, &rng), h = randomFloats(B * T * C, &rng)
    model.forward(tokens: tokens, targets: targets, B: B, T: T)
    #expect(relativeError(model.hidden, Ref.hidden(model.params.array.doubles, model.layout, tokens, B, T)) < 1e-5)
    model.zeroGrad()
    model.backward(dLogProbs: fromLogProbs ? a : nil, dLogits: fromLogits ? b : nil, dHidden: fromHidden ? h : nil)
    let analytic = model.grads.array
    let layout = model.layout
    // L = Σ a·logprob + Σ b·logits + Σ h·hidden.
    func loss(_ q: [Double]) -> Double {
        let logits = Ref.logits(q, layout, tokens, B, T)
        var l = 0.0
        if fromLogProbs { l += dot(a.doubles, Ref.logProb(logits, targets, B * T, V)) }
        if fromLogits { l += dot(b.doubles, logits) }
        if fromHidden { l += dot(h.doubles, Ref.hidden(q, layout, tokens, B, T)) }
        return l
    }
    var indices: [Int] = []
    for t in layout.tensors { for k in 0..<min(t.count, 4) { indices.append(t.offset + (k * 7919 + 13) % t.count) } }
    let numeric = numericGradient(model.params.array.doubles, at: indices, loss)
    let scale = numeric.map(abs).max() ?? 1
    for (k, i) in indices.enumerated() {
        #expect(abs(Double(analytic[i]) - numeric[k]) <= 1e-4 * scale + 1e-3 * abs(numeric[k]), "[\(i)] \(analytic[i]) vs \(numeric[k])")
    }
}

@Test func forwardWithoutLogitsGivesTheSameHiddenState() throws {
    let model = try scrambledModel(microConfig(), seed: 13)
    let tokens: [Int32] = [1, 2, 3, 4, 5, 6]
    model.forward(tokens: tokens, targets: tokens, B: 2, T: 3)
    let full = model.hidden
    model.forward(tokens: tokens, B: 2, T: 3, logits: false)
    #expect(model.hidden == full)
    // Backward from the hidden state alone after such a forward equals the one after a full forward.
    let dh = (0..<(6 * model.config.nEmbd)).map { Float($0 % 7) - 3 }
    model.zeroGrad()
    model.backward(dLogProbs: nil, dLogits: nil, dHidden: dh)
    let a = model.grads.array
    model.forward(tokens: tokens, targets: tokens, B: 2, T: 3)
    model.zeroGrad()
    model.backward(dLogProbs: nil, dLogits: nil, dHidden: dh)
    #expect(model.grads.array == a)
}

@Test func valueHeadForwardAndBackwardMatchNumericGradient() throws {
    let C = 5, N = 3
    var rng = GPTRandom(seed: 14)
    let head = try ValueHead(channels: C, parameters: randomFloats(C + 1, &rng))
    let hidden = randomFloats(N * C, &rng), dv = randomFloats(N, &rng)
    let values = head.forward(hidden: hidden)
    for n in 0..<N {
        let expected = (0..<C).reduce(Double(head.params[C])) { $0 + Double(hidden[n * C + $1]) * Double(head.params[$1]) }
        #expect(abs(Double(values[n]) - expected) < 1e-5)
    }
    head.zeroGrad()
    let dHidden = head.backward(dValues: dv, hidden: hidden)
    // L = Σ dv·v: dL/dw = Σ dv·h, dL/db = Σ dv, dL/dh = dv ⊗ w.
    let p = head.params.array.doubles
    let numeric = numericGradient(p) { q in
        (0..<N).reduce(0.0) { s, n in s + Double(dv[n]) * ((0..<C).reduce(q[C]) { $0 + Double(hidden[n * C + $1]) * q[$1] }) }
    }
    #expect(relativeError(head.grads.array, numeric) < 1e-4)
    for n in 0..<N { for c in 0..<C { #expect(abs(dHidden[n * C + c] - dv[n] * head.params[c]) < 1e-6) } }
    // A fresh head starts small: values near 0.
    let fresh = ValueHead(channels: 128, seed: 1)
    #expect(fresh.forward(hidden: randomFloats(128, &rng)).allSatisfy { abs($0) < 0.05 })
}

@Test func adamWOverAFlatBufferMatchesTheModelPath() throws {
    let model = try scrambledModel(microConfig(), seed: 15)
    let copy = try GPTModel(config: model.config, parameters: model.params.array)
    var rng = GPTRandom(seed: 16)
    let g = randomFloats(model.parameterCount, &rng)
    for m in [model, copy] { for i in 0..<g.count { m.grads[i] = g[i] } }
    let a = AdamW(layout: model.layout), b = AdamW(layout: copy.layout)
    a.update(model, learningRate: 1e-2)
    b.update(params: copy.params, grads: copy.grads, learningRate: 1e-2, gradientNorm: gradientNorm(copy.grads))
    #expect(model.params.array == copy.params.array)
    // A plain buffer with decay everywhere decays every element.
    let x = FloatBuffer([1, 2, 3]), gx = FloatBuffer(count: 3)
    let c = AdamW(count: 3, decays: true, parameters: AdamWParameters(weightDecay: 0.5, gradClip: nil))
    c.update(params: x, grads: gx, learningRate: 0.1)
    #expect(zip(x.array, [0.95, 1.9, 2.85] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
}

@Test func flatVectorHelpers() {
    let a = FloatBuffer([1, 2, 3]), b = FloatBuffer([4, -5, 6])
    #expect(FlatVector.dot(a, b) == 12)
    #expect(abs(FlatVector.norm(a) - 14.0.squareRoot()) < 1e-12)
    FlatVector.axpy(2, a, b)
    #expect(b.array == [6, -1, 12])
    FlatVector.scale(0.5, b)
    #expect(b.array == [3, -0.5, 6])
    let c = FlatVector.clone(b)
    FlatVector.copy(a, to: b)
    #expect(b.array == [1, 2, 3] && c.array == [3, -0.5, 6])
}

/// Packing: documents in one row with per-document positions compute what each computes alone
/// in its own row (log-probs, and the gradient of the same weighted loss), so pretraining can pack
/// without changing what the model learns from a document.
@Test func packedDocumentsComputeWhatTheyComputeAlone() throws {
    let config = GPTConfig(vocabSize: 11, contextLength: 12, nLayer: 2, nHead: 2, nEmbd: 8)
    let model = try scrambledModel(config, seed: 8)
    var rng = GPTRandom(seed: 9)
    let lengths = [5, 4, 3]  // one row of 12 positions: three documents
    let docs = lengths.map { n in (0..<n).map { _ in Int32(rng.int(below: config.vocabSize)) } }
    let targets = lengths.map { n in (0..<n).map { _ in Int32(rng.int(below: config.vocabSize)) } }
    let weights = lengths.map { n in (0..<n).map { _ in rng.normalFloat() } }
    var aloneLogProbs: [Float] = []
    var aloneGrads = [Float](repeating: 0, count: model.layout.count)
    for i in docs.indices {
        model.forward(tokens: docs[i], targets: targets[i], B: 1, T: lengths[i])
        aloneLogProbs += model.logProbs
        model.zeroGrad()
        model.backward(dLogProbs: weights[i])
        for (k, g) in model.grads.array.enumerated() { aloneGrads[k] += g }
    }
    let positions = lengths.flatMap { n in (0..<n).map(Int32.init) }
    model.forward(tokens: docs.flatMap { $0 }, targets: targets.flatMap { $0 }, B: 1, T: 12, positions: positions)
    let packed = model.logProbs
    model.zeroGrad()
    model.backward(dLogProbs: weights.flatMap { $0 })
    for (a, b) in zip(packed, aloneLogProbs) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b)") }
    let scale = aloneGrads.map(abs).max()!
    for (a, b) in zip(model.grads.array, aloneGrads) { #expect(abs(a - b) <= 1e-5 * scale, "\(a) vs \(b)") }
    // Without positions the same row is one document: later documents see earlier ones.
    model.forward(tokens: docs.flatMap { $0 }, targets: targets.flatMap { $0 }, B: 1, T: 12)
    #expect(zip(model.logProbs.suffix(7), aloneLogProbs.suffix(7)).contains { abs($0 - $1) > 1e-3 })
}
