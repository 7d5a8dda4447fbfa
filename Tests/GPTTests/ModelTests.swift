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
