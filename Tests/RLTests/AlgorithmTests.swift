// The pieces the algorithms are built from, on hand-computed examples: GAE, the value loss and its
// clip, explained variance, the REINFORCE and RLOO baselines, conjugate gradient, TRPO's
// Fisher-vector product against the explicitly built Fisher matrix and its line search; chunking
// by length; the run configuration's layouts and flags.
import Foundation
import Testing
import GPT
import Tasks
@testable import RL

struct AdvantageEstimatorTests {
    @Test func gaeOnAHandComputedExample() {
        // r = (0, 0, 1), V = (0.5, 0.2, 0.4), γ 0.9, λ 0.8:
        // δ2 = 1 − 0.4 = 0.6;  δ1 = 0.9·0.4 − 0.2 = 0.16;  δ0 = 0.9·0.2 − 0.5 = −0.32
        // Â2 = 0.6;  Â1 = 0.16 + 0.72·0.6 = 0.592;  Â0 = −0.32 + 0.72·0.592 = 0.10624
        let a = Advantages.gae(rewards: [0, 0, 1], values: [0.5, 0.2, 0.4], gamma: 0.9, lambda: 0.8)
        #expect(zip(a, [0.10624, 0.592, 0.6]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(a)")
        // γ = λ = 1: the return to go minus V.
        let mc = Advantages.gae(rewards: [0, 0, 1], values: [0.5, 0.2, 0.4], gamma: 1, lambda: 1)
        #expect(zip(mc, [0.5, 0.8, 0.6]).allSatisfy { abs($0 - $1) < 1e-12 })
        // λ = 0: the one-step TD error.
        let td = Advantages.gae(rewards: [0, 0, 1], values: [0.5, 0.2, 0.4], gamma: 0.9, lambda: 0)
        #expect(zip(td, [-0.32, 0.16, 0.6]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func reinforceAndLeaveOneOutBaselines() {
        #expect(Advantages.groupMean([[1, 0, 0, 1], [2, 2]]) == [[0.5, -0.5, -0.5, 0.5], [0, 0]])
        // RLOO: 1 − (0 + 0 + 1)/3 = 2/3; 0 − (1 + 0 + 1)/3 = −2/3.
        let r = Advantages.leaveOneOut([[1, 0, 0, 1]])[0]
        let third: Double = 2.0 / 3
        let expected: [Double] = [third, -third, -third, third]
        #expect(zip(r, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        // It is the group-mean advantage scaled by G/(G−1).
        let g = Advantages.groupMean([[3, 1, 0]])[0], l = Advantages.leaveOneOut([[3, 1, 0]])[0]
        #expect(zip(g, l).allSatisfy { abs($0 * 1.5 - $1) < 1e-12 })
    }

    @Test(arguments: [
        // (V, V_old, R, loss, dV, clipped)
        (0.55, 0.5, 2.0, 0.5 * 1.45 * 1.45, -1.45, false),   // inside the clip: the plain loss
        (1.0, 0.5, 2.0, 0.5 * 1.3 * 1.3, 0.0, true),          // outside, clipped term larger: no gradient
        (0.9, 0.5, 0.6, 0.5 * 0.3 * 0.3, 0.3, false),         // outside, plain term larger: its gradient
    ])
    func valueLossAndItsClip(v: Double, old: Double, target: Double, loss: Double, dv: Double, clipped: Bool) {
        let t = PolicyLoss.valueLoss(value: v, oldValue: old, target: target, clip: 0.2)
        #expect(abs(t.loss - loss) < 1e-12 && abs(t.dValue - dv) < 1e-12 && t.clipped == clipped, "\(t)")
        // The derivative is the numerical one.
        let h = 1e-6
        let numeric = (PolicyLoss.valueLoss(value: v + h, oldValue: old, target: target, clip: 0.2).loss
                       - PolicyLoss.valueLoss(value: v - h, oldValue: old, target: target, clip: 0.2).loss) / (2 * h)
        #expect(abs(numeric - t.dValue) < 1e-6)
    }

    @Test func explainedVariance() {
        #expect(Advantages.explainedVariance(values: [1, 2, 3], returns: [1, 2, 3]) == 1)
        #expect(abs(Advantages.explainedVariance(values: [2, 2, 2], returns: [1, 2, 3])!) < 1e-12)
        // Residuals (0.5, −0.5, 0) against returns (1, 2, 3): 1 − (1/6)/(2/3) = 0.75.
        #expect(abs(Advantages.explainedVariance(values: [0.5, 2.5, 3], returns: [1, 2, 3])! - 0.75) < 1e-12)
        #expect(Advantages.explainedVariance(values: [1, 2], returns: [4, 4]) == nil)
    }

    @Test func cispoKeepsTheGradientOfClippedTokens() {
        let c = PolicyLoss.cispo(logProb: log(1.5) - 1, oldLogProb: -1, advantage: 1, epsilonLow: 0.2, epsilonHigh: 0.2)
        #expect(c.clipped && abs(c.dLogProb - -1.2) < 1e-12)
        let k1 = PolicyLoss.k1(logProb: -0.5, refLogProb: -0.7)
        #expect(abs(k1.value - 0.2) < 1e-12 && k1.dLogProb == 1)
    }

    @Test func exactKLAndItsLogitGradient() {
        let z: [Double] = [0.3, -1.2, 0.8], zr: [Double] = [0.1, 0.4, -0.5]
        func softmax(_ x: [Double]) -> [Double] { let e = x.map { exp($0) }; let s = e.reduce(0, +); return e.map { $0 / s } }
        func kl(_ x: [Double]) -> Double { zip(softmax(zr), softmax(x)).reduce(0) { $0 + $1.0 * (log($1.0) - log($1.1)) } }
        let p = softmax(z).map(Float.init), q = softmax(zr).map(Float.init)
        var d = [Float](repeating: 0, count: 3)
        let value = p.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { qq in d.withUnsafeMutableBufferPointer { dd in
            PolicyLoss.exactKL(probs: pp, refProbs: qq, dLogits: dd, scale: 1) } } }
        #expect(abs(value - kl(z)) < 1e-6)
        for i in 0..<3 {
            var a = z, b = z
            a[i] += 1e-5; b[i] -= 1e-5
            #expect(abs((kl(a) - kl(b)) / 2e-5 - Double(d[i])) < 1e-5)
        }
    }
}

struct TRPOTests {
    @Test func conjugateGradientSolvesASymmetricPositiveDefiniteSystem() {
        // A = MᵀM + I for a fixed M; b fixed. Five iterations solve a 5×5 system.
        let n = 5
        var rng = GPTRandom(seed: 3)
        let m = (0..<(n * n)).map { _ in Double(rng.normalFloat()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            a[i * n + j] = (0..<n).reduce(i == j ? 1 : 0) { $0 + m[$1 * n + i] * m[$1 * n + j] }
        } }
        let b = FloatBuffer((0..<n).map { Float($0) - 1.5 })
        let (x, r) = conjugateGradient({ v in
            FloatBuffer((0..<n).map { i in Float((0..<n).reduce(0.0) { $0 + a[i * n + $1] * Double(v[$1]) }) })
        }, b, iterations: n)
        for i in 0..<n {
            let ax = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * Double(x[$1]) }
            #expect(abs(ax - Double(b[i])) < 1e-4, "row \(i)")
        }
        #expect(FlatVector.norm(r) < 1e-3)
    }

    /// A tiny model and two responses of different lengths.
    func tinySetup() throws -> (GPTModel, SequenceLayout, [Double]) {
        let config = GPTConfig(vocabSize: 6, contextLength: 8, nLayer: 1, nHead: 1, nEmbd: 4)
        let model = try GPTModel(config: config, seed: 3)
        // Larger weights than the init's, so the distributions are far from uniform.
        for i in 0..<model.parameterCount { model.params[i] *= 10 }
        let seqs = [Trajectory(prompt: [1, 2], response: [3, 4, 5], truncated: false),
                    Trajectory(prompt: [1], response: [2, 2, 4, 1], truncated: false)]
        let layout = SequenceLayout(sequences: seqs, padID: 0, chunkSize: 32)
        let weights = LossAggregation.dapo.tokenWeights(lengths: [3, 4], included: [true, true], maxLength: 8)
        return (model, layout, weights)
    }

    @Test func fisherVectorProductMatchesTheExplicitFisher() throws {
        let (model, layout, weights) = try tinySetup()
        let n = model.parameterCount, V = model.config.vocabSize
        // F = Σ_positions w·Jᵀ(diag p − p pᵀ)J, J = ∂logits/∂θ at the position, row by row from
        // backward with a one-hot dLogits.
        let (x, y, T) = layout.inputs([0, 1])
        model.forward(tokens: x, targets: y, B: 2, T: T)
        let probs = model.probabilities
        var fisher = [Double](repeating: 0, count: n * n)
        for (row, s) in [0, 1].enumerated() {
            let seq = layout.sequences[s]
            for k in 0..<seq.response.count {
                let pos = row * T + seq.prompt.count - 1 + k
                var J: [[Double]] = []
                for v in 0..<V {
                    var d = [Float](repeating: 0, count: 2 * T * V)
                    d[pos * V + v] = 1
                    model.zeroGrad()
                    model.backward(dLogProbs: nil, dLogits: d, dHidden: nil)
                    J.append(model.grads.array.map(Double.init))
                }
                let p = (0..<V).map { Double(probs[pos * V + $0]) }
                for u in 0..<V { for v in 0..<V {
                    let h = (u == v ? p[u] : 0) - p[u] * p[v]
                    if h == 0 { continue }
                    let c = weights[s] * h
                    for i in 0..<n where J[u][i] != 0 { for j in 0..<n { fisher[i * n + j] += c * J[u][i] * J[v][j] } }
                } }
            }
        }
        var tp = TRPOParameters()
        tp.damping = 0
        let trpo = try TRPO(tp, AlgorithmSetup(policy: model, reference: nil, loadBase: { model }, training: TrainingParameters(),
                                               padID: 0, policyOptimizer: nil))
        let old = TRPO.old(model, layout, weights: weights, advantages: [[0, 0, 0], [0, 0, 0, 0]])
        let theta0 = FlatVector.clone(model.params)
        var rng = GPTRandom(seed: 9)
        for _ in 0..<3 {
            let v = FloatBuffer(randomVector(n, &rng))
            let explicit = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + fisher[i * n + $1] * Double(v[$1]) } }
            let fd = try trpo.fisherProduct(v, old: old, theta0: theta0, thetaNorm: FlatVector.norm(theta0), step: 1).array
            let err = zip(fd, explicit).reduce(0.0) { $0 + pow(Double($1.0) - $1.1, 2) }.squareRoot()
            let norm = explicit.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            #expect(err / norm < 1e-3, "relative error \(err / norm)")
            // The product leaves the parameters exactly as they were.
            #expect(model.params.array == theta0.array)
        }
    }

    func randomVector(_ n: Int, _ rng: inout GPTRandom) -> [Float] { (0..<n).map { _ in rng.normalFloat() } }

    @Test func anUpdateStaysInsideTheTrustRegion() throws {
        let (model, layout, _) = try tinySetup()
        let batch = RolloutBatch(groups: [layout.sequences, layout.sequences.reversed()], rewards: [[1, 0], [0, 1]])
        let before = model.params.array
        var tp = TRPOParameters()
        tp.delta = 0.01
        tp.fisherFraction = 1   // four responses: the products run on all of them
        let trpo = try TRPO(tp, AlgorithmSetup(policy: model, reference: nil, loadBase: { model }, training: TrainingParameters(),
                                               padID: 0, policyOptimizer: nil))
        let r = try trpo.update(batch, context: UpdateContext(step: 1, learningRate: 0))
        func metric(_ k: String) -> Double? { r.metrics.first { $0.0 == k }?.1.doubleValue }
        #expect(metric("trpo/accepted") == 1 && model.params.array != before)
        #expect(metric("trpo/kl")! <= tp.delta && metric("trpo/kl")! > 0.1 * tp.delta)
        #expect(metric("trpo/surrogate_gain")! > 0 && metric("trpo/cg_residual")! < 1)
    }

    @Test func theLineSearchRefusesAStepThatBreaksTheKLBound() throws {
        let (model, layout, weights) = try tinySetup()
        let trpo = try TRPO(TRPOParameters(), AlgorithmSetup(policy: model, reference: nil, loadBase: { model }, training: TrainingParameters(),
                                                             padID: 0, policyOptimizer: nil))
        let old = TRPO.old(model, layout, weights: weights, advantages: [[1, 1, 1], [-1, -1, -1, -1]])
        let theta0 = FlatVector.clone(model.params)
        // The gradient of the surrogate, as a direction: a large multiple breaks the KL bound at every
        // backtrack (0.8⁹ of it still does), a small one keeps inside it and improves the surrogate.
        model.zeroGrad()
        _ = GradientPass.accumulate(model, layout, [0, 1], needs: .logProbs) { v, g in
            for k in 0..<v.count { g.dLogProbs[k] = Float(-weights[v.s] * old.advantages[v.s][k]) }
            return 0
        }
        let direction = FloatBuffer(count: model.parameterCount)
        FlatVector.axpy(-Float(1 / FlatVector.norm(model.grads)), model.grads, direction)
        let surrogate0 = trpo.evaluate(old).surrogate
        FlatVector.scale(1000, direction)
        let refused = trpo.lineSearch(theta0: theta0, fullStep: direction, old: old, surrogateAtOld: surrogate0)
        #expect(!refused.accepted && refused.backtracks == 10 && refused.stepNorm == 0)
        #expect(model.params.array == theta0.array, "a refused step leaves the policy exactly as it was")
        // A step of norm 0.01 along it overshoots the region a little: the search shortens it
        // (three times here) until the KL is inside and the surrogate still gains.
        FlatVector.scale(1e-5, direction)
        let taken = trpo.lineSearch(theta0: theta0, fullStep: direction, old: old, surrogateAtOld: surrogate0)
        #expect(taken.accepted && taken.backtracks >= 1 && taken.kl <= 0.01 && taken.gain > 0, "\(taken)")
        #expect(abs(taken.stepNorm - 0.01 * pow(0.8, Double(taken.backtracks))) < 1e-6)
        #expect(model.params.array != theta0.array)
    }
}

struct ChunkingTests {
    /// Sequences of very different lengths: chunks by length give the gradient of one padded batch.
    @Test func chunksOfSimilarLengthGiveTheGradientOfOnePaddedBatch() throws {
        let config = GPTConfig(vocabSize: 12, contextLength: 32, nLayer: 1, nHead: 2, nEmbd: 8)
        let model = try GPTModel(config: config, seed: 4)
        var rng = GPTRandom(seed: 5)
        let seqs = (0..<9).map { i in
            Trajectory(prompt: [1, 2], response: (0..<(2 + (i * 7) % 23)).map { _ in 3 + rng.int(below: 9) }, truncated: false)
        }
        func gradient(chunkSize: Int) -> ([Float], Double) {
            let layout = SequenceLayout(sequences: seqs, padID: 0, chunkSize: chunkSize)
            model.zeroGrad()
            let loss = GradientPass.accumulate(model, layout, Array(seqs.indices), needs: .logProbs) { v, g in
                for k in 0..<v.count { g.dLogProbs[k] = Float(v.s + 1) / 100 }
                return v.logProbs.reduce(0.0) { $0 + Double($1) } * Double(v.s + 1) / 100
            }
            return (model.grads.array, loss)
        }
        let (one, lossOne) = gradient(chunkSize: 9)
        let (many, lossMany) = gradient(chunkSize: 2)
        #expect(abs(lossOne - lossMany) < 1e-5 * abs(lossOne))
        let err = zip(one, many).reduce(0.0) { max($0, Double(abs($1.0 - $1.1))) }
        let scale = one.reduce(0.0) { max($0, Double(abs($1))) }
        #expect(err < 1e-5 * scale, "max difference \(err) of \(scale)")
        // Chunks are longest first, each padded to its own longest.
        let layout = SequenceLayout(sequences: seqs, padID: 0, chunkSize: 2)
        let chunks = layout.chunks(Array(seqs.indices))
        #expect(chunks.count == 5 && Set(chunks.flatMap { $0 }) == Set(seqs.indices))
        let lengths = chunks.map { layout.inputs($0).T }
        #expect(lengths == lengths.sorted(by: >) && lengths.last! < lengths.first!)
    }
}

struct RunConfigTests {
    /// checkpoints/r1zero/config.json as the lab wrote it before the algorithms were split out.
    static let legacyConfig = #"{"base":"checkpoints/base","grpo":{"beta":0,"chunkSize":32,"curriculum":{"entries":[{"difficulties":[2,4],"family":"add","weight":1},{"difficulties":[2,4],"family":"sub","weight":1},{"difficulties":[2,2],"family":"mul","weight":1}]},"epsilonHigh":0.2,"epsilonLow":0.2,"evalEvery":10,"evalProblems":300,"gradClip":1,"groupSize":8,"iterations":1,"learningRate":5e-05,"loss":"dapo","maskTruncated":false,"maxResponseLength":300,"minLearningRate":1e-05,"miniBatches":1,"promptsPerStep":32,"rewards":{"accuracy":1,"format":0.1,"steps":0},"samplesEvery":10,"saveEvery":40,"scaleRewards":"group","schedule":"constant","seed":1,"skipZeroVarianceGroups":false,"steps":120,"temperature":1,"topP":1,"warmupSteps":0,"weightDecay":0}}"#

    @Test func aRunWrittenBeforeTheSplitStillLoads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-legacy-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AtomicFile.write(Self.legacyConfig, to: path)
        let c = try RunConfig.load(path)
        #expect(c.base == "checkpoints/base" && c.algorithm == .grpo(GRPOParameters()))
        // Every value as the file wrote it, where today's defaults differ.
        var t = TrainingParameters()
        t.steps = 120
        t.maxResponseLength = 300
        t.evalProblems = 300
        t.curriculum = Curriculum(entries: [.init(family: .add, difficulties: 2...4), .init(family: .sub, difficulties: 2...4),
                                            .init(family: .mul, difficulties: 2...2)])
        #expect(c.training == t)
    }

    @Test(arguments: AlgorithmName.allCases)
    func aRunsOwnConfigReadsBackEqual(name: AlgorithmName) throws {
        var c = RunConfig(base: "checkpoints/x", algorithm: .defaults(name))
        c.training.steps = 7
        c.training.learningRate = 3e-5
        try c.set([FieldOverride(flag: "--beta", "beta", 0.04)].filter { _ in name != .trpo })
        var back = RunConfig(base: "")
        try back.apply(Data(c.json().utf8), path: "config.json")
        #expect(back == c)
    }

    @Test func aFlatFileSendsEachFieldWhereItBelongs() throws {
        var c = RunConfig(base: "b", algorithm: .defaults(.ppo))
        try c.apply(Data(#"{"steps": 9, "beta": 0.1, "critic": {"learningRate": 0.0003}}"#.utf8), path: "f.json")
        guard case let .ppo(p) = c.algorithm else { Issue.record("not ppo"); return }
        #expect(c.training.steps == 9 && p.beta == 0.1 && p.critic.learningRate == 3e-4 && p.critic.gamma == 1)
        #expect(throws: ParameterError.self) { try c.apply(Data(#"{"stepz": 9}"#.utf8), path: "f.json") }
        do { try c.apply(Data(#"{"steps": 4.5}"#.utf8), path: "f.json"); Issue.record("accepted") } catch {
            #expect("\(error)".contains("f.json") && "\(error)".contains("steps"), "\(error)")
        }
        // A run config naming its algorithm switches to it.
        try c.apply(Data(#"{"algorithm": "trpo", "trpo": {"delta": 0.02}}"#.utf8), path: "g.json")
        #expect(c.algorithm.name == .trpo && c.training.steps == 9)
    }

    @Test func aFlagOfAnotherAlgorithmIsRefusedNamingWhichHaveIt() throws {
        var c = RunConfig(base: "b")
        do { try c.set([FieldOverride(flag: "--delta", "delta", 0.02)]); Issue.record("accepted") } catch {
            #expect("\(error)" == "--delta applies to trpo; this run's algorithm is grpo")
        }
        do { try c.set([FieldOverride(flag: "--critic-lr", "critic.learningRate", 1e-3)]); Issue.record("accepted") } catch {
            #expect("\(error)" == "--critic-lr applies to ppo, trpo; this run's algorithm is grpo")
        }
        try c.set([FieldOverride(flag: "--steps", "steps", 3), FieldOverride(flag: "--beta", "beta", 0.5)])
        #expect(c.training.steps == 3 && c.algorithm == { var g = GRPOParameters(); g.beta = 0.5; return .grpo(g) }())
    }
}

struct CriticTests {
    /// The critic that reads its values and trains in one pass ends exactly where the two-pass one does.
    @Test func oneFusedPassEqualsValuesThenUpdate() throws {
        let config = GPTConfig(vocabSize: 12, contextLength: 32, nLayer: 1, nHead: 2, nEmbd: 8)
        let base = try GPTModel(config: config, seed: 4).params.array
        var rng = GPTRandom(seed: 6)
        let seqs = (0..<5).map { i in
            Trajectory(prompt: [1, 2], response: (0..<(3 + i * 2)).map { _ in 3 + rng.int(below: 9) }, truncated: false)
        }
        let layout = SequenceLayout(sequences: seqs, padID: 0, chunkSize: 2)
        let targets = seqs.map { s in GAEEstimate.rewardToGo((0..<s.response.count).map { $0 == s.response.count - 1 ? 1 : 0 }, gamma: 1) }
        func critic() throws -> Critic {
            try Critic(CriticParameters(), AlgorithmSetup(policy: try GPTModel(config: config, parameters: base), reference: nil,
                                                          loadBase: { try GPTModel(config: config, parameters: base) },
                                                          training: TrainingParameters(), padID: 0, policyOptimizer: nil))
        }
        let a = try critic(), b = try critic()
        let fused = try a.update(layout, Array(seqs.indices), targets: targets, oldValues: nil, learningRate: 1e-2, step: 1)
        let values = b.values(layout, Array(seqs.indices))
        let twoPass = try b.update(layout, Array(seqs.indices), targets: targets, oldValues: values, learningRate: 1e-2, step: 1)
        #expect(fused.values == values)
        #expect(fused.loss == twoPass.loss && fused.gradNorm == twoPass.gradNorm)
        #expect(a.trunk.params.array == b.trunk.params.array && a.head.params.array == b.head.params.array)
        #expect(a.trunk.params.array != base)
        // The reward to go with γ = 1 is the final reward at every token.
        #expect(targets[0] == [1, 1, 1])
    }
}

struct ReviewFixTests {
    /// As a loss term k1's own derivative has zero mean on-policy; the objective uses the
    /// score-function gradient (log π − log π_ref) instead, so a policy above the reference is pushed down.
    @Test func k1InTheLossPullsTowardsTheReference() {
        let objective = PolicyObjective(surrogate: .reinforce, beta: 1, kl: .k1)
        let v = ResponseView(s: 0, count: 2, logProbs: [-0.5, -2], entropies: [0, 0], probs: [], hidden: [])
        var g = ResponseGradient(dLogProbs: [0, 0])
        var tally = PolicyObjective.Tally()
        _ = objective.loss(v, weight: 1, advantage: { _ in 0 }, old: nil, refLogProbs: [-1, -1], refProbs: nil, into: &g, tally: &tally)
        #expect(abs(g.dLogProbs[0] - 0.5) < 1e-6 && abs(g.dLogProbs[1] - -1) < 1e-6)
        #expect(abs(tally.klSum - (0.5 - 1)) < 1e-9)
    }

    @Test func trpoRefusesFlagsItDoesNotUse() throws {
        var c = RunConfig(base: "b", algorithm: .defaults(.trpo))
        #expect(throws: ParameterError.self) { try c.set([FieldOverride(flag: "--lr", "learningRate", 1e-4)]) }
        #expect(throws: ParameterError.self) { try c.set([FieldOverride(flag: "--critic-lr", "critic.learningRate", 1e-4)]) }
        try c.set([FieldOverride(flag: "--trpo-advantages", "advantages", "gae"), FieldOverride(flag: "--critic-lr", "critic.learningRate", 1e-4)])
        guard case let .trpo(p) = c.algorithm else { Issue.record("not trpo"); return }
        #expect(p.advantages == .gae && p.critic.learningRate == 1e-4)
    }

    @Test func aLegacyConfigWithAnUnknownFieldIsAnError() {
        var c = RunConfig(base: "b")
        #expect(throws: ParameterError.self) { try c.apply(Data(#"{"grpo": {"beta": 0.04, "epsilonHigh_": 0.28}}"#.utf8), path: "x.json") }
    }
}
