// Pretraining the base model: next-character prediction on the worked-solution corpus.
import Foundation
import GPT
import Tasks

/// Everything that decides a pretraining run. The defaults build `checkpoints/base`.
public struct PretrainParameters: Codable, Equatable, Sendable {
    /// The model; vocabulary = the tokenizer's (99 ids), context long enough for full solutions.
    public var model = GPTConfig(vocabSize: 99, contextLength: 320, nLayer: 4, nHead: 4, nEmbd: 128)
    /// Seeds the initial weights and the corpus.
    public var seed: UInt64 = 1
    /// Documents per optimisation step (one per row, each starting at position 0 as at sampling).
    public var documentsPerStep = 48
    /// Rows per forward/backward: rows are sorted by length first, so each micro-batch pads little.
    public var microBatchSize = 16
    /// Optimisation steps: about 0.6 s each on this 2-core machine, so the default run takes
    /// about 19 minutes (1,500 steps took 888 s).
    public var steps = 1900
    /// Peak learning rate: small models tolerate nanoGPT's 1e-3 and more.
    public var learningRate: Float = 2e-3
    /// Floor of the cosine decay.
    public var minLearningRate: Float = 2e-4
    /// Linear warm-up steps.
    public var warmupSteps = 100
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

/// Turns documents into padded batches, one document per row starting at position 0, exactly
/// as the sampler sees a prompt: BOS text EOS, PAD after. Rows are sorted by length and cut
/// into micro-batches, each padded only to its own longest row, so little compute goes to PAD.
struct Batcher {
    let tokenizer: CharTokenizer
    /// Longest row (the context length); longer documents are cut.
    let maxT: Int

    struct MicroBatch {
        var x: [Int32], y: [Int32], mask: [Float]
        var B: Int, T: Int
        var tokens: Int
    }

    func microBatches(_ documents: [String], rowsPerMicroBatch: Int) -> [MicroBatch] {
        // Every corpus character is in the tokenizer's vocabulary (a test checks it).
        let rows = documents.map { doc -> [Int32] in
            let ids = [tokenizer.bosID] + ((try? tokenizer.encode(doc)) ?? []) + [tokenizer.eosID]
            return ids.prefix(maxT + 1).map(Int32.init)
        }
        let order = rows.indices.sorted { (rows[$0].count, $0) < (rows[$1].count, $1) }
        return stride(from: 0, to: order.count, by: rowsPerMicroBatch).map { start in
            let members = order[start..<min(order.count, start + rowsPerMicroBatch)].map { rows[$0] }
            let T = members.map { $0.count - 1 }.max()!
            var b = MicroBatch(x: [], y: [], mask: [], B: members.count, T: T, tokens: 0)
            for row in members {
                for t in 0..<T {
                    let inside = t + 1 < row.count
                    b.x.append(t < row.count ? row[t] : Int32(tokenizer.padID))
                    b.y.append(inside ? row[t + 1] : Int32(tokenizer.padID))
                    b.mask.append(inside ? 1 : 0)
                }
                b.tokens += row.count - 1
            }
            return b
        }
    }
}

public enum Pretraining {
    /// Runs pretraining and returns the model and its log. `report` receives every record (one
    /// per `logEvery` steps and one per held-out evaluation).
    public static func run(_ p: PretrainParameters, heldout: [Problem], logEvery: Int = 50,
                           report: (PretrainRecord) -> Void) throws -> (GPTModel, CharTokenizer, [PretrainRecord]) {
        let tokenizer = try CharTokenizer()
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
        func heldoutLoss() -> Float {
            var total = 0.0, tokens = 0
            for b in evalBatches {
                model.forward(tokens: b.x, targets: b.y, B: b.B, T: b.T)
                total += Double(model.meanLoss(mask: b.mask)) * Double(b.tokens)
                tokens += b.tokens
            }
            return Float(total / Double(tokens))
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
            for b in batches {
                model.forward(tokens: b.x, targets: b.y, B: b.B, T: b.T)
                lossSum += Double(model.meanLoss(mask: b.mask)) * Double(b.tokens)
                model.backward(dLogProbs: b.mask.map { -$0 / Float(tokens) })
            }
            let loss = Float(lossSum / Double(tokens))
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
