// Chunked forward/backward over a step's sequences with a per-sequence loss closure: the one place
// every algorithm's learner runs the model. Sequences are sorted by length and cut into chunks,
// each padded only to its own longest, so no work goes to padding the short ones to the longest
// of the step. Letters: B sequences in a chunk, T its padded length, L a response's length,
// C channels, V vocabulary. In a data-parallel run each rank runs only its shard's sequences and
// `accumulate` sums the gradients over the ranks, so every caller sees the whole batch's.
import GPT

/// A step's sequences as model inputs.
struct SequenceLayout {
    let sequences: [Trajectory]
    let padID: Int
    let chunkSize: Int
    /// The sequences this rank runs (nil: all of them, one process).
    var shard: Shard? = nil

    /// Whether this rank runs sequence s.
    func mine(_ s: Int) -> Bool { shard?.mine[s] ?? true }
    /// The ranks sharing the batch.
    var comm: any Communicator { shard?.comm ?? SingleProcess() }

    /// `members` in chunks of at most `chunkSize` sequences of similar length: longest first (so
    /// the first chunk sizes the activation memory the others reuse), ties by position in
    /// `members`, so the order is deterministic.
    func chunks(_ members: [Int]) -> [[Int]] {
        let sorted = members.enumerated().sorted { a, b in
            let la = length(a.element), lb = length(b.element)
            return la != lb ? la > lb : a.offset < b.offset
        }.map(\.element)
        return stride(from: 0, to: sorted.count, by: chunkSize).map { Array(sorted[$0..<min(sorted.count, $0 + chunkSize)]) }
    }

    /// Model positions of sequence s: prompt + response − 1 (the last token is only a target).
    func length(_ s: Int) -> Int { sequences[s].prompt.count + sequences[s].response.count - 1 }

    /// (inputs, targets), each B×T with T the chunk's longest: inputs the sequence's first T
    /// tokens, targets the next ones, PAD past the end (such positions get no gradient).
    func inputs(_ chunk: [Int]) -> (x: [Int32], y: [Int32], T: Int) {
        let T = chunk.map(length).max() ?? 1
        var x = [Int32](repeating: Int32(padID), count: chunk.count * T)
        var y = x
        for (row, s) in chunk.enumerated() {
            let full = sequences[s].prompt + sequences[s].response
            for t in 0..<min(T, full.count - 1) {
                x[row * T + t] = Int32(full[t])
                y[row * T + t] = Int32(full[t + 1])
            }
        }
        return (x, y, T)
    }
}

extension SequenceLayout {
    /// A step's batch, shared out over `comm`'s ranks.
    init(_ batch: RolloutBatch, padID: Int, chunkSize: Int, comm: any Communicator) {
        self.init(sequences: batch.sequences, padID: padID, chunkSize: chunkSize,
                  shard: comm.size > 1 ? Shard(comm: comm, lengths: batch.sequences.map { $0.prompt.count + $0.response.count }) : nil)
    }
}

/// What a pass reads from the model at each response position.
struct Needs: OptionSet {
    let rawValue: Int
    /// log π(token) and the entropy (the forward runs the vocabulary head).
    static let logProbs = Needs(rawValue: 1)
    /// The whole next-token distribution (L×V): exact KLs and entropy gradients.
    static let probs = Needs(rawValue: 2)
    /// The final hidden state (L×C): value heads.
    static let hidden = Needs(rawValue: 4)
}

/// The model's outputs at one sequence's response positions (arrays left empty when not asked).
struct ResponseView {
    /// Index of the sequence in the layout.
    let s: Int
    /// Response length L.
    let count: Int
    let logProbs: [Float]     // (L)
    let entropies: [Float]    // (L)
    let probs: [Float]        // (L,V)
    let hidden: [Float]       // (L,C)
}

/// The derivatives of one sequence's loss at its response positions.
struct ResponseGradient {
    var dLogProbs: [Float]    // (L)
    var dLogits: [Float]?     // (L,V)
    var dHidden: [Float]?     // (L,C)
}

enum GradientPass {
    /// Runs `model` over `members` chunk by chunk (no gradients) and hands each sequence's outputs
    /// to `body`: this rank's members only (the caller combines what it needs from the others).
    static func forEach(_ model: GPTModel, _ layout: SequenceLayout, _ members: [Int], needs: Needs,
                        _ body: (ResponseView) -> Void) {
        for chunk in layout.chunks(members.filter(layout.mine)) {
            forward(model, layout, chunk, needs: needs) { _, _, view in body(view) }
        }
    }

    /// Accumulates into `model.grads` the gradient of Σ_s loss(s) over `members`, where the
    /// closure returns each sequence's loss and fills its derivatives. Returns Σ_s loss(s). The
    /// closure runs for this rank's members only; the gradient buffer (all of it) and the returned
    /// loss are summed over the ranks, whatever else the closure tallies is the caller's to sum.
    static func accumulate(_ model: GPTModel, _ layout: SequenceLayout, _ members: [Int], needs: Needs,
                           _ loss: (ResponseView, inout ResponseGradient) -> Double) -> Double {
        var total = 0.0
        let V = model.config.vocabSize, C = model.config.nEmbd
        for chunk in layout.chunks(members.filter(layout.mine)) {
            var dLogProbs: [Float] = [], dLogits: [Float]? = nil, dHidden: [Float]? = nil
            var T = 0
            forward(model, layout, chunk, needs: needs) { t, row, view in
                if T == 0 {
                    T = t
                    if needs.contains(.logProbs) || needs.contains(.probs) { dLogProbs = [Float](repeating: 0, count: chunk.count * T) }
                }
                var g = ResponseGradient(dLogProbs: [Float](repeating: 0, count: view.count))
                total += loss(view, &g)
                let start = row * T + layout.sequences[view.s].prompt.count - 1
                if !dLogProbs.isEmpty { for k in 0..<view.count { dLogProbs[start + k] = g.dLogProbs[k] } }
                if let d = g.dLogits {
                    if dLogits == nil { dLogits = [Float](repeating: 0, count: chunk.count * T * V) }
                    for i in 0..<(view.count * V) { dLogits![start * V + i] = d[i] }
                }
                if let d = g.dHidden {
                    if dHidden == nil { dHidden = [Float](repeating: 0, count: chunk.count * T * C) }
                    for i in 0..<(view.count * C) { dHidden![start * C + i] = d[i] }
                }
            }
            model.backward(dLogProbs: dLogProbs.isEmpty ? nil : dLogProbs, dLogits: dLogits, dHidden: dHidden)
        }
        layout.comm.sum(model.grads)
        return layout.comm.sum(total)
    }

    /// One chunk's forward; `body` gets the chunk's padded length, the sequence's row in it and its view.
    private static func forward(_ model: GPTModel, _ layout: SequenceLayout, _ chunk: [Int], needs: Needs,
                                _ body: (_ T: Int, _ row: Int, ResponseView) -> Void) {
        let (x, y, T) = layout.inputs(chunk)
        let head = needs.contains(.logProbs) || needs.contains(.probs)
        model.forward(tokens: x, targets: head ? y : nil, B: chunk.count, T: T, logits: head)
        let lp = head ? model.logProbs : [], ent = head ? model.entropies : []
        let probs = needs.contains(.probs) ? model.probabilities : []
        let hidden = needs.contains(.hidden) ? model.hidden : []
        let V = model.config.vocabSize, C = model.config.nEmbd
        for (row, s) in chunk.enumerated() {
            let start = row * T + layout.sequences[s].prompt.count - 1, L = layout.sequences[s].response.count
            body(T, row, ResponseView(
                s: s, count: L,
                logProbs: head ? Array(lp[start..<(start + L)]) : [],
                entropies: head ? Array(ent[start..<(start + L)]) : [],
                probs: probs.isEmpty ? [] : Array(probs[(start * V)..<((start + L) * V)]),
                hidden: hidden.isEmpty ? [] : Array(hidden[(start * C)..<((start + L) * C)])))
        }
    }
}
