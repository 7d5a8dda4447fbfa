// Pretraining the base model: next-character prediction on the worked-solution corpus.
import Foundation
import GPT
import Tasks

/// Everything that decides a pretraining run. The defaults build `checkpoints/base`.
public struct PretrainParameters: Codable, Equatable, Sendable {
    /// The model; vocabulary = the tokenizer's (99 ids), context long enough for full solutions.
    public var model = GPTConfig(vocabSize: 99, contextLength: 256, nLayer: 4, nHead: 4, nEmbd: 128)
    /// Seeds the initial weights and the corpus.
    public var seed: UInt64 = 1
    /// Rows of `model.contextLength` tokens per step.
    public var batchSize = 16
    /// Optimisation steps (sized so the default run fits in 20 minutes on 2 cores).
    public var steps = 3000
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

/// Packs documents into rows that each start at a document: BOS text EOS BOS text EOS …, the last
/// document of a row cut at the row's end.
struct Packer {
    let tokenizer: CharTokenizer
    let T: Int

    /// (inputs, targets), each B×T, from documents pulled with `next`.
    func batch(B: Int, next: () -> String) -> (x: [Int32], y: [Int32]) {
        var x = [Int32](), y = [Int32]()
        x.reserveCapacity(B * T)
        y.reserveCapacity(B * T)
        for _ in 0..<B {
            var row: [Int32] = []
            while row.count < T + 1 {
                // Every corpus character is in the tokenizer's vocabulary (a test checks it).
                let ids = (try? tokenizer.encode(next())) ?? []
                row.append(Int32(tokenizer.bosID))
                row.append(contentsOf: ids.map(Int32.init))
                row.append(Int32(tokenizer.eosID))
            }
            x.append(contentsOf: row[0..<T])
            y.append(contentsOf: row[1...T])
        }
        return (x, y)
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
        let B = p.batchSize, T = config.contextLength
        let packer = Packer(tokenizer: tokenizer, T: T)
        var corpus = CorpusStream(seed: p.seed, mix: p.mix, excluding: heldout)

        // A fixed held-out batch set: documents of held-out problems, never trained on.
        let evalDocs = CorpusStream.documents(for: Array(heldout.prefix(p.evalDocuments)), seed: p.seed, mix: p.mix)
        var evalBatches: [(x: [Int32], y: [Int32])] = []
        var cursor = 0
        while cursor < evalDocs.count {
            evalBatches.append(packer.batch(B: B) {
                defer { cursor += 1 }
                return evalDocs[cursor % evalDocs.count].text
            })
        }
        func heldoutLoss() -> Float {
            var total: Float = 0
            for b in evalBatches {
                model.forward(tokens: b.x, targets: b.y, B: B, T: T)
                total += model.meanLoss()
            }
            return total / Float(evalBatches.count)
        }

        var records: [PretrainRecord] = []
        let clock = ContinuousClock()
        let start = clock.now
        var windowStart = clock.now, windowTokens = 0
        for step in 1...p.steps {
            let batch = packer.batch(B: B) { corpus.next().text }
            let loss = model.trainingStep(tokens: batch.x, targets: batch.y, B: B, T: T)
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: step) }
            let lr = schedule(step - 1)
            _ = adam.update(model, learningRate: lr)
            windowTokens += B * T
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
        case let .nonFiniteLoss(step): return "the loss is not finite at step \(step); the last good checkpoint is kept"
        }
    }
}
