// Pretraining the base model: next-character prediction on the worked-solution corpus.
import Foundation
import GPT
import Tasks

/// Everything that decides a pretraining run. The defaults build `checkpoints/base`.
public struct PretrainParameters: Codable, Equatable, Sendable {
    /// The model; vocabulary = the tokenizer's (99 ids), context long enough for the longest
    /// repair trace (a 3×2 multiplication done twice, about 550 characters).
    public var model = GPTConfig(vocabSize: 99, contextLength: 576, nLayer: 4, nHead: 4, nEmbd: 160)
    /// Seeds the initial weights and the corpus.
    public var seed: UInt64 = 1
    /// Documents per optimisation step, packed several to a row (each from position 0, as at
    /// sampling; see `Batcher`).
    public var documentsPerStep = 64
    /// Packed rows per forward/backward.
    public var microBatchSize = 8
    /// Optimisation steps: about 0.65 s each on this 2-core machine, so the default run takes
    /// about 45 minutes.
    public var steps = 4000
    /// Peak learning rate: small models tolerate nanoGPT's 1e-3 and more.
    public var learningRate: Float = 2e-3
    /// Floor of the cosine decay.
    public var minLearningRate: Float = 2e-4
    /// Linear warm-up steps.
    public var warmupSteps = 200
    /// AdamW settings (decoupled weight decay on matrices, global-norm clipping).
    public var adam = AdamWParameters()
    /// The corpus mix: styles, wrong share, families and difficulties.
    public var mix = CorpusMix()
    /// Evaluate held-out loss every this many steps.
    public var evalEvery = 250
    /// Held-out documents used for that loss (documents of held-out problems).
    public var evalDocuments = 512

    public init() {}
}

/// One logged point of a pretraining run.
public struct PretrainRecord: Sendable {
    public var step: Int
    public var loss: Float
    public var heldoutLoss: Float?
    public var learningRate: Float
    public var tokensPerSecond: Double
    public var elapsed: Double
}

/// Packs documents into rows of the context length, several per row, each document numbered
/// from position 0 and attending only to itself (`GPTModel.forward(positions:)`), so a packed
/// document trains exactly as it would alone in a row, starting at position 0 as at sampling:
/// BOS text EOS, its targets the next characters, nothing across a document boundary. Rows are
/// filled best-fit, longest document first, and cut into micro-batches, each padded only to its
/// own longest row (PAD with weight 0 fills a row's end).
struct Batcher {
    let tokenizer: CharTokenizer
    /// Longest row (the context length); longer documents are cut.
    let maxT: Int

    struct MicroBatch {
        var x: [Int32], y: [Int32], mask: [Float], positions: [Int32]
        var B: Int, T: Int
        var tokens: Int
    }

    func microBatches(_ documents: [String], rowsPerMicroBatch: Int) -> [MicroBatch] {
        // Every corpus character is in the tokenizer's vocabulary (a test checks it).
        let pieces = documents.map { doc -> [Int32] in
            let ids = [tokenizer.bosID] + ((try? tokenizer.encode(doc)) ?? []) + [tokenizer.eosID]
            return ids.prefix(maxT + 1).map(Int32.init)
        }
        // Best fit, longest first: each piece goes into the fullest row it still fits.
        var rows: [[Int]] = [], free: [Int] = []
        for i in pieces.indices.sorted(by: { (pieces[$0].count, $1) > (pieces[$1].count, $0) }) {
            let need = pieces[i].count - 1
            var best: Int?
            for r in rows.indices where free[r] >= need && (best == nil || free[r] < free[best!]) { best = r }
            if let best {
                rows[best].append(i)
                free[best] -= need
            } else {
                rows.append([i])
                free.append(maxT - need)
            }
        }
        return stride(from: 0, to: rows.count, by: rowsPerMicroBatch).map { start in
            let members = rows[start..<min(rows.count, start + rowsPerMicroBatch)]
            let T = members.map { $0.reduce(0) { $0 + pieces[$1].count - 1 } }.max()!
            var b = MicroBatch(x: [], y: [], mask: [], positions: [], B: members.count, T: T, tokens: 0)
            for row in members {
                var used = 0
                for i in row {
                    let piece = pieces[i]
                    for t in 0..<(piece.count - 1) {
                        b.x.append(piece[t]); b.y.append(piece[t + 1]); b.mask.append(1)
                        b.positions.append(Int32(t))
                    }
                    used += piece.count - 1
                    b.tokens += piece.count - 1
                }
                // The row's end: PAD, weight 0, numbered as a document of its own.
                for t in 0..<(T - used) {
                    b.x.append(Int32(tokenizer.padID)); b.y.append(Int32(tokenizer.padID)); b.mask.append(0)
                    b.positions.append(Int32(t))
                }
            }
            return b
        }
    }
}

public enum Pretraining {
    /// Runs pretraining and returns the model and its log. `report` receives every record (one
    /// per `logEvery` steps and one per held-out evaluation). Data-parallel over `comm`: every rank
    /// draws the same documents and runs every size-th micro-batch; the gradient and the loss are
    /// summed over the ranks before the (identical) AdamW step.
    public static func run(_ p: PretrainParameters, heldout: [Problem], logEvery: Int = 50, comm: any Communicator = SingleProcess(),
                           report: (PretrainRecord) -> Void) throws -> (GPTModel, CharTokenizer, [PretrainRecord]) {
        let tokenizer = try CharTokenizer()
        if comm.size > 1 {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try comm.agree(on: [("parameters", String(decoding: try encoder.encode(p), as: UTF8.self)),
                                ("held-out set", heldout.map(\.jsonLine).joined(separator: "\n"))])
        }
        var config = p.model
        config.vocabSize = tokenizer.vocabSize
        let model = try GPTModel(config: config, seed: p.seed)
        let adam = AdamW(layout: model.layout, parameters: p.adam)
        let schedule = LearningRateSchedule(maxLR: p.learningRate, minLR: p.minLearningRate,
                                            warmupSteps: p.warmupSteps, decaySteps: p.steps)
        let batcher = Batcher(tokenizer: tokenizer, maxT: config.contextLength)
        var corpus = CorpusStream(seed: p.seed, mix: p.mix, excluding: heldout)

        // A fixed held-out set: documents of held-out problems, never trained on.
        let evalDocs = CorpusStream.documents(for: heldout.spread(p.evalDocuments), seed: p.seed, mix: p.mix)
        let evalBatches = batcher.microBatches(evalDocs.map(\.text), rowsPerMicroBatch: p.microBatchSize)
        /// This rank's micro-batches of `batches`: every size-th, so long and short rows are shared out.
        func mine<T>(_ batches: [T]) -> [T] {
            comm.size == 1 ? batches : stride(from: comm.rank, to: batches.count, by: comm.size).map { batches[$0] }
        }
        func heldoutLoss() -> Float {
            var total = 0.0
            let tokens = evalBatches.reduce(0) { $0 + $1.tokens }
            for b in mine(evalBatches) {
                model.forward(tokens: b.x, targets: b.y, B: b.B, T: b.T, positions: b.positions)
                total += Double(model.meanLoss(mask: b.mask)) * Double(b.tokens)
            }
            return Float(comm.sum(total) / Double(tokens))
        }

        var records: [PretrainRecord] = []
        let clock = ContinuousClock()
        let start = clock.now
        var windowStart = clock.now, windowTokens = 0
        for step in 1...p.steps {
            // One step: the mean loss over every target token of `documentsPerStep` documents.
            let docs = (0..<p.documentsPerStep).map { _ in corpus.next().text }
            let batches = batcher.microBatches(docs, rowsPerMicroBatch: p.microBatchSize)
            let tokens = batches.reduce(0) { $0 + $1.tokens }
            model.zeroGrad()
            var lossSum = 0.0
            for b in mine(batches) {
                model.forward(tokens: b.x, targets: b.y, B: b.B, T: b.T, positions: b.positions)
                lossSum += Double(model.meanLoss(mask: b.mask)) * Double(b.tokens)
                model.backward(dLogProbs: b.mask.map { -$0 / Float(tokens) })
            }
            comm.sum(model.grads)
            let loss = Float(comm.sum(lossSum) / Double(tokens))
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: step) }
            let lr = schedule(step - 1)
            _ = adam.update(model, learningRate: lr)
            windowTokens += tokens
            let evaluate = step % p.evalEvery == 0 || step == p.steps
            if step % logEvery == 0 || evaluate || step == 1 {
                let now = clock.now
                let window = (now - windowStart) / .seconds(1)
                let record = PretrainRecord(step: step, loss: loss, heldoutLoss: evaluate ? heldoutLoss() : nil,
                                            learningRate: lr, tokensPerSecond: Double(windowTokens) / max(window, 1e-9),
                                            elapsed: (now - start) / .seconds(1))
                records.append(record)
                report(record)
                windowStart = clock.now
                windowTokens = 0
            }
        }
        return (model, tokenizer, records)
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step): return "the loss or its gradient is not finite at step \(step); the update was not applied"
        }
    }
}
