// Pretraining and the policy wrapper: batches, reproducible rollouts, evaluation counts.
import Foundation
import Testing
import GPT
import Tasks
@testable import RL

let heldoutSample = HeldoutSet(perFamily: 20).problems

func tinyParameters(steps: Int) -> PretrainParameters {
    var p = PretrainParameters()
    p.model = GPTConfig(vocabSize: 99, contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 32)
    p.documentsPerStep = 8
    p.microBatchSize = 4
    p.steps = steps
    p.warmupSteps = 5
    p.evalEvery = steps
    p.evalDocuments = 32
    return p
}

struct PretrainingTests {
    @Test func everyCorpusCharacterIsInTheVocabulary() throws {
        let tokenizer = try CharTokenizer()
        var corpus = CorpusStream(seed: 1, excluding: heldoutSample)
        for _ in 0..<3000 {
            let d = corpus.next()
            #expect(throws: Never.self) { _ = try tokenizer.encode(d.text) }
        }
    }

    /// Packing: every document lands whole in one row, numbered from position 0 with BOS first and
    /// EOS as its last target; no target crosses a document; rows fill best-fit; PAD (weight 0)
    /// only at a row's end; the tokens counted are exactly the documents'.
    @Test func documentsArePackedWholeFromPositionZeroWithNothingAcrossThem() throws {
        let tokenizer = try CharTokenizer()
        let docs = ["User: 1+2\nAssistant: <think></think><answer>3</answer>",
                    "User: 2*3\nAssistant: <think>2*3=6</think><answer>6</answer>",
                    "User: 12*3\nAssistant: <think>2*3=6\n1*3=3\n12*3=36</think><answer>36</answer>",
                    "User: 7-2\nAssistant: <think></think><answer>5</answer>"]
        let maxT = 120
        let batches = Batcher(tokenizer: tokenizer, maxT: maxT).microBatches(docs, rowsPerMicroBatch: 2)
        #expect(batches.reduce(0) { $0 + $1.tokens } == docs.reduce(0) { $0 + $1.count + 1 })
        var found: [String] = []
        for b in batches {
            #expect(b.T <= maxT)
            for row in 0..<b.B {
                let r = (row * b.T)..<((row + 1) * b.T)
                let (x, y, m, pos) = (Array(b.x[r]), Array(b.y[r]), Array(b.mask[r]), Array(b.positions[r]))
                // Documents: runs starting at position 0 whose first input is BOS.
                var t = 0
                while t < b.T {
                    var end = t + 1
                    while end < b.T && pos[end] != 0 { end += 1 }
                    #expect(pos[t..<end] == ArraySlice((0..<Int32(end - t)).map { $0 }))
                    if m[t] == 1 {
                        #expect(x[t] == Int32(tokenizer.bosID) && y[end - 1] == Int32(tokenizer.eosID))
                        #expect(Array(x[(t + 1)..<end]) == Array(y[t..<(end - 1)]))
                        #expect(m[t..<end].allSatisfy { $0 == 1 })
                        found.append(try tokenizer.decode(x[(t + 1)..<end].map(Int.init)))
                    } else {
                        #expect(end == b.T && x[t..<end].allSatisfy { $0 == Int32(tokenizer.padID) }, "PAD only at the end")
                    }
                    t = end
                }
            }
        }
        #expect(found.sorted() == docs.sorted())
        // 76 + 60 + 55 + 55 = 246 tokens need three rows of 120; best fit uses three (76 | 60 + 55 | 55).
        #expect(batches.reduce(0) { $0 + $1.B } == 3)
    }

    /// `lab pretrain` with no options makes the shipped base: its defaults are the configuration
    /// `checkpoints/base/config.json` records, field for field.
    @Test func theDefaultsAreTheShippedBasesConfiguration() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("checkpoints/base/config.json"))
        let shipped = try JSONDecoder().decode(PretrainParameters.self, from: data)
        #expect(shipped == PretrainParameters())
        #expect(shipped.mix.countdown == .corpus && shipped.mix.countdown.search && shipped.mix.countdown.ledger)
    }

    /// Every committed base's `config.json` names every field, so `lab pretrain --config` remakes
    /// it whatever today's defaults are (a field missing from the file takes the default).
    @Test func everyCommittedBaseConfigurationIsComplete() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let checkpoints = root.appendingPathComponent("checkpoints")
        let dirs = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.hasPrefix("base") }.map { "checkpoints/" + $0 }
            + ["checkpoints/previous/base"]
        #expect(dirs.count >= 5)
        for dir in dirs {
            let data = try Data(contentsOf: root.appendingPathComponent(dir + "/config.json"))
            // The synthesised decoder requires every key: none may be left to a default.
            #expect(throws: Never.self, "\(dir)") { _ = try JSONDecoder().decode(PretrainParameters.self, from: data) }
        }
    }

    @Test func pretrainingLowersHeldOutLossAndIsReproducible() throws {
        let p = tinyParameters(steps: 40)
        let (model, _, records) = try Pretraining.run(p, heldout: heldoutSample, logEvery: 10) { _ in }
        let first = try #require(records.first?.loss)
        let final = try #require(records.last?.heldoutLoss)
        #expect(final < first - 0.5, "held-out loss \(final) vs first training loss \(first)")
        let (again, _, _) = try Pretraining.run(p, heldout: heldoutSample, logEvery: 10) { _ in }
        #expect(Array(model.params.array) == Array(again.params.array))
    }
}

struct PolicyTests {
    func policy() throws -> Policy {
        let tokenizer = try CharTokenizer()
        let model = try GPTModel(config: GPTConfig(vocabSize: tokenizer.vocabSize, contextLength: 96, nLayer: 1, nHead: 2, nEmbd: 16), seed: 3)
        return Policy(model: model, tokenizer: tokenizer)
    }

    @Test func rolloutsAreReproducibleAndIndependentOfBatching() throws {
        let p = try policy()
        let problems = Array(heldoutSample.prefix(5))
        let sp = SamplingParameters(temperature: 1, maxNewTokens: 40)
        let a = try p.rollouts(problems, samplesEach: 3, sampling: sp, seed: 9, stream: 1)
        let b = try p.rollouts(problems, samplesEach: 3, sampling: sp, seed: 9, stream: 1, batch: 4)
        #expect(a.map { $0.map(\.response) } == b.map { $0.map(\.response) })
        let alone = try p.rollouts([problems[2]], samplesEach: 3, sampling: sp, seed: 9, stream: 1)
        // Problem 2 alone is problem index 0 of its call: its streams differ, its samples too.
        #expect(alone[0].map(\.response) != a[2].map(\.response) || a[2].allSatisfy { $0.response.isEmpty })
        // Given its index in the larger set, it draws what it drew there.
        let indexed = try p.rollouts([problems[2], problems[4]], indices: [2, 4], samplesEach: 3, sampling: sp, seed: 9, stream: 1)
        #expect(indexed.map { $0.map(\.response) } == [a[2], a[4]].map { $0.map(\.response) })
        let c = try p.rollouts(problems, samplesEach: 3, sampling: sp, seed: 10, stream: 1)
        #expect(a.map { $0.map(\.response) } != c.map { $0.map(\.response) })
        for group in a {
            for r in group {
                #expect(r.responseTokens.count == r.logProbs.count)
                #expect(r.responseTokens.count <= 40)
                #expect(r.scored.verdict == Scorer().score(r.response, for: r.problem).verdict)
                #expect(r.logProbs.allSatisfy { $0 <= 0 && $0.isFinite })
            }
        }
    }

    @Test func evaluationCountsWhatItSees() throws {
        let scorer = Scorer()
        let p = mul("347*28", "9716")
        func rollout(_ text: String) -> Rollout {
            Rollout(problem: p, promptTokens: [], responseTokens: [], logProbs: [], response: text, stopReason: .eos,
                    scored: scorer.score(text, for: p))
        }
        let e = Evaluation([[rollout("<think>347*28=9716</think><answer>9716</answer>"),
                             rollout("<think></think><answer>9000</answer>"),
                             rollout("<think></think><answer>9716</answer>"),
                             rollout("9716")]])
        #expect(e.overall.count == 4 && e.overall.correct == 2)
        #expect(e.overall.formatOK == 3)
        #expect(e.overall.reasoning == 1 && e.overall.reasoningAccuracy == 1)
        #expect(e.overall.directAccuracy == 1.0 / 3.0)
        #expect(e.overall.stepAccuracy == 1)
        #expect(e.byFamily[.mul]?.count == 4)
        #expect(e.table.contains("mul"))
    }

    func mul(_ q: String, _ a: String) -> Problem { Problem(id: "m", family: .mul, difficulty: 3, question: q, answer: a) }
}
