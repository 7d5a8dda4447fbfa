// KV-cache decoding equals the full forward; sampling is reproducible and independent of the batch.
import Foundation
@testable import GPT
import Testing

/// Full-forward logits (T,V) of one unpadded sequence.
func fullLogits(_ model: GPTModel, _ seq: [Int]) -> [Float] {
    model.forward(tokens: seq.map(Int32.init), B: 1, T: seq.count)
    return Array(model.logits)
}

func logSoftmax(_ row: ArraySlice<Float>) -> [Double] {
    let mx = Double(row.max()!)
    let lse = mx + log(row.map { exp(Double($0) - mx) }.reduce(0, +))
    return row.map { Double($0) - lse }
}

struct KVCase: CustomTestStringConvertible, Sendable {
    var config: GPTConfig, sequences: Int
    /// Added to every prompt's length (longer prompts reach more key blocks).
    var promptExtra = 0
    var testDescription: String {
        "C=\(config.nEmbd), \(config.nHead) heads, \(sequences) sequences" + (promptExtra > 0 ? ", prompts +\(promptExtra)" : "")
    }
}

/// Tiny models (head sizes 8, 6 and 40: the 8-channel, single-channel and 32+8-channel value sums),
/// and models the width of the bench's `tiny` and `small` with a batch as large as the decode path
/// splits: blocked key cache with lengths off the block size, 32- and 64-channel value accumulation,
/// matrix products split by columns and by inputs, and sequences longer than four key blocks.
let kvCases = [
    KVCase(config: GPTConfig(vocabSize: 17, contextLength: 24, nLayer: 2, nHead: 2, nEmbd: 16), sequences: 4),
    KVCase(config: GPTConfig(vocabSize: 17, contextLength: 24, nLayer: 2, nHead: 2, nEmbd: 12), sequences: 4),
    KVCase(config: GPTConfig(vocabSize: 17, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 80), sequences: 6),
    KVCase(config: GPTConfig(vocabSize: 65, contextLength: 40, nLayer: 2, nHead: 4, nEmbd: 128), sequences: 32),
    KVCase(config: GPTConfig(vocabSize: 65, contextLength: 40, nLayer: 1, nHead: 6, nEmbd: 384), sequences: 32),
    // Up to 49 positions: seven key blocks, scored as a group of four and a group of three.
    KVCase(config: GPTConfig(vocabSize: 65, contextLength: 64, nLayer: 2, nHead: 4, nEmbd: 128), sequences: 8, promptExtra: 24),
]

@Test("KV-cache logits equal the full forward's for a ragged batch", arguments: kvCases)
func kvCacheLogitsEqualFullForwardForRaggedBatch(_ c: KVCase) throws {
    let config = c.config, n = c.sequences
    let model = try scrambledModel(config, seed: 21, std: 0.2)
    let V = config.vocabSize
    var rng = GPTRandom(seed: 22)
    // Prompts of different lengths, then a different number of decode steps per sequence.
    let promptLengths = (0..<n).map { [3, 9, 1, 6, 13, 8][$0 % 6] + c.promptExtra }
    let decodeSteps = (0..<n).map { [5, 2, 7, 0, 12, 9][$0 % 6] }
    var seqs = promptLengths.map { len in (0..<len).map { _ in rng.int(below: V) } }
    let decoded = (0..<decodeSteps.max()!).map { step in
        (0..<n).filter { decodeSteps[$0] > step }.map { ($0, rng.int(below: V)) }
    }
    for step in decoded { for (s, t) in step { seqs[s].append(t) } }
    let want = (0..<n).map { fullLogits(model, seqs[$0]) }
    // Prefill with every prompt position's logits, and with only the last one's (which skips the last
    // layer's work past its keys and values for the other positions); then decode the same tokens.
    var withAll: [[Float]] = []
    for rows in [LogitRows.all, .last] {
        let session = InferenceSession(model: model, slots: n)
        var got = [[Float]](repeating: [], count: n), first = [Int](repeating: 0, count: n)
        let pre = session.append(slots: Array(0..<n), tokens: (0..<n).map { Array(seqs[$0].prefix(promptLengths[$0])) },
                                 logits: rows)
        var row = 0
        for s in 0..<n {
            let count = rows == .all ? promptLengths[s] : 1
            first[s] = promptLengths[s] - count
            got[s] += Array(pre[(row * V)..<((row + count) * V)])
            row += count
        }
        for step in decoded {
            let out = session.appendOne(slots: step.map(\.0), tokens: step.map(\.1))
            for (k, (s, _)) in step.enumerated() { got[s] += Array(out[(k * V)..<((k + 1) * V)]) }
        }
        for s in 0..<n {
            let w = want[s][(first[s] * V)...]
            #expect(w.count == got[s].count)
            let diff = zip(w, got[s]).map { abs($0 - $1) }.max() ?? 0
            #expect(diff < 1e-4, "\(rows) logits, sequence \(s): max |Δlogit| \(diff)")
        }
        if rows == .all { withAll = got; continue }
        // The skipped work changes only how the last layer's products are split: the prompt's last
        // logits agree with the full prefill's to rounding, and the cached keys and values, hence every
        // decoded logit, are the same bits.
        for s in 0..<n {
            let lastOfPrompt = withAll[s][((promptLengths[s] - 1) * V)..<(promptLengths[s] * V)]
            let d = zip(lastOfPrompt, got[s][0..<V]).map { abs($0 - $1) }.max() ?? 0
            #expect(d < 1e-5, "sequence \(s): last prompt logits differ by \(d)")
            #expect(Array(withAll[s][(promptLengths[s] * V)...]) == Array(got[s][V...]), "sequence \(s): decode logits")
        }
    }
}

func samplerModel() throws -> GPTModel {
    let config = GPTConfig(vocabSize: 20, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 16)
    return try scrambledModel(config, seed: 31, std: 0.25)
}

struct SamplingCase: CustomTestStringConvertible, Sendable {
    var name: String, parameters: SamplingParameters
    var testDescription: String { name }
}

let samplingCases = [
    SamplingCase(name: "temperature 1", parameters: SamplingParameters(maxNewTokens: 12, eosID: nil)),
    SamplingCase(name: "temperature 0.7, top-k 5", parameters: SamplingParameters(temperature: 0.7, topK: 5, maxNewTokens: 12, eosID: nil)),
    SamplingCase(name: "top-p 0.8", parameters: SamplingParameters(topP: 0.8, maxNewTokens: 12, eosID: nil)),
    SamplingCase(name: "greedy", parameters: SamplingParameters(greedy: true, maxNewTokens: 12, eosID: nil)),
]

@Test("same seeds give identical samples; a sequence's sample does not depend on the batch", arguments: samplingCases)
func samplesReproducibleAndBatchIndependent(_ c: SamplingCase) throws {
    let model = try samplerModel()
    let prompts: [[Int]] = [[1, 5, 6], [1, 7], [1, 8, 9, 10, 11, 3], [1]]
    let rngs = (0..<4).map { GPTRandom(seed: 99, derive: 1, UInt64($0)) }
    let a = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: c.parameters)
    let b = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: c.parameters)
    #expect(a == b)
    // Sequence 2 alone, and the batch reordered.
    let alone = try Sampler(model: model).generate(prompts: [prompts[2]], rngs: [rngs[2]], parameters: c.parameters)
    #expect(alone[0].tokens == a[2].tokens)
    let order = [3, 2, 0, 1]
    let shuffled = try Sampler(model: model).generate(prompts: order.map { prompts[$0] }, rngs: order.map { rngs[$0] },
                                                      parameters: c.parameters)
    for (k, s) in order.enumerated() {
        #expect(shuffled[k].tokens == a[s].tokens)
        #expect(zip(shuffled[k].logProbs, a[s].logProbs).allSatisfy { abs($0 - $1) < 1e-5 })
    }
    // Reported log-probs are the temperature-1 log-softmax of the full forward.
    for s in 0..<4 {
        let seq = prompts[s] + a[s].tokens
        let logits = fullLogits(model, seq)
        let V = model.config.vocabSize
        for (k, tok) in a[s].tokens.enumerated() {
            let pos = prompts[s].count - 1 + k
            let want = logSoftmax(logits[(pos * V)..<((pos + 1) * V)])[tok]
            #expect(abs(Double(a[s].logProbs[k]) - want) < 1e-4)
        }
    }
}

@Test func topKOneEqualsGreedy() throws {
    let model = try samplerModel()
    let prompts: [[Int]] = [[1, 4], [1, 2, 3]]
    let rngs = [GPTRandom(seed: 1), GPTRandom(seed: 2)]
    let g = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: .init(greedy: true, maxNewTokens: 10, eosID: nil))
    let k = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: .init(topK: 1, maxNewTokens: 10, eosID: nil))
    #expect(g.map(\.tokens) == k.map(\.tokens))
}

@Test func eachSequenceStopsOnItsOwn() throws {
    let model = try samplerModel()
    let prompts: [[Int]] = [[1, 5], [1, 6, 7], [1, 9]]
    let rngs = (0..<3).map { GPTRandom(seed: 7, derive: 0, UInt64($0)) }
    let free = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: .init(maxNewTokens: 20, eosID: nil))
    #expect(free.allSatisfy { $0.stopReason == .maxNewTokens && $0.tokens.count == 20 })
    // EOS := the 6th token of sequence 0; stop sequence := tokens 3...4 of sequence 1.
    let eos = free[0].tokens[5]
    let stop = Array(free[1].tokens[3...4])
    let p = SamplingParameters(maxNewTokens: 20, eosID: eos, stopSequences: [stop])
    let r = try Sampler(model: model).generate(prompts: prompts, rngs: rngs, parameters: p)
    let firstEOS0 = free[0].tokens.firstIndex(of: eos)!
    #expect(r[0].stopReason == .eos || r[0].stopReason == .stopSequence)
    #expect(r[0].tokens == Array(free[0].tokens.prefix(r[0].tokens.count)))
    #expect(r[0].tokens.count <= firstEOS0 + 1)
    #expect(r[1].tokens.count <= 5 && r[1].tokens == Array(free[1].tokens.prefix(r[1].tokens.count)))
    #expect(r[1].stopReason != .maxNewTokens)
    for s in r {
        switch s.stopReason {
        case .eos: #expect(s.tokens.last == eos)
        case .stopSequence: #expect(Array(s.tokens.suffix(stop.count)) == stop)
        default: break
        }
    }
    // Context limit: 32 positions, prompt 30 → at most 2 new tokens.
    let long = [Int](repeating: 4, count: 30)
    let c = try Sampler(model: model).generate(prompts: [long], rngs: [GPTRandom(seed: 1)], parameters: .init(maxNewTokens: 10, eosID: nil))
    #expect(c[0].stopReason == .contextFull && c[0].tokens.count == 2)
}

@Test func promptsThatDoNotFitAreTypedErrors() throws {
    let model = try samplerModel()
    #expect(throws: GPTError.self) {
        _ = try Sampler(model: model).generate(prompts: [[]], rngs: [GPTRandom(seed: 1)], parameters: .init())
    }
    #expect(throws: GPTError.self) {
        _ = try Sampler(model: model).generate(prompts: [[Int](repeating: 1, count: 40)], rngs: [GPTRandom(seed: 1)], parameters: .init())
    }
}

@Test("a token is drawn with probability softmax(logits / T); its reported log-prob is at T = 1",
      arguments: [Float(1), 0.5, 2])
func chooseDrawsFromTheTemperedSoftmax(_ temperature: Float) {
    let logits: [Float] = [2, 1, 0.5, -1, 0]
    let V = logits.count, draws = 20_000
    let sp = SamplingParameters(temperature: temperature)
    var rng = GPTRandom(seed: 3)
    var work = [Float](repeating: 0, count: V), order = [Int](repeating: 0, count: V)
    var counts = [Int](repeating: 0, count: V)
    let atOne = logSoftmax(logits[...]), tempered = logSoftmax(logits.map { $0 / temperature }[...])
    logits.withUnsafeBufferPointer { l in
        for _ in 0..<draws {
            let (tok, lp) = Sampler.choose(l, sp, &rng, &work, &order)
            counts[tok] += 1
            #expect(abs(Double(lp) - atOne[tok]) < 1e-5)
        }
    }
    // 20,000 draws: a frequency's standard deviation is at most 0.0036; allow about four.
    for j in 0..<V {
        #expect(abs(Double(counts[j]) / Double(draws) - exp(tempered[j])) < 0.015, "token \(j)")
    }
}
