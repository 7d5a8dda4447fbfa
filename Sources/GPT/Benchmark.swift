// Throughput measurements behind `lab bench`: training step, KV-cache sampling, sgemm peak.
import Foundation

/// A benchmark workload: a model shape plus the batch sizes the peers use.
public struct BenchmarkSetup: Sendable {
    public var name: String
    public var config: GPTConfig
    /// Training batch B (sequences of contextLength tokens).
    public var batch: Int
    /// Sampling: sequences at once, prompt length, new tokens per sequence.
    public var sampleBatch: Int = 64
    public var promptLength: Int = 16
    public var newTokens: Int
    /// Timed training steps after warm-up.
    public var trainSteps: Int
    public var warmup: Int = 5
    /// Timed sampling calls after one warm-up call.
    public var sampleReps: Int = 5

    public static let tiny = BenchmarkSetup(name: "tiny", config: .tiny, batch: 12, newTokens: 48, trainSteps: 100)
    public static let small = BenchmarkSetup(name: "small", config: .small, batch: 16, newTokens: 128, trainSteps: 20)
}

/// One config's figures.
public struct BenchmarkResult: Codable, Sendable {
    public var config: String
    public var params: Int
    public var flopsPerToken: Int
    public var trainTokensPerS: Double
    public var trainGflops: Double
    public var trainStepMedianS: Double
    public var fwdS: Double
    public var bwdClipS: Double
    public var adamwS: Double
    public var sampleTokensPerS: Double
    public var sampleCallMedianS: Double
    public var peakGflops: Double

    enum CodingKeys: String, CodingKey {
        case config, params
        case flopsPerToken = "flops_per_token"
        case trainTokensPerS = "train_tokens_per_s"
        case trainGflops = "train_gflops"
        case trainStepMedianS = "train_step_median_s"
        case fwdS = "fwd_s", bwdClipS = "bwd_clip_s", adamwS = "adamw_s"
        case sampleTokensPerS = "sample_tokens_per_s"
        case sampleCallMedianS = "sample_call_median_s"
        case peakGflops = "peak_gflops"
    }
}

public enum Benchmark {
    /// CPU seconds (all threads) of the median sampling call of the last `sample` run.
    nonisolated(unsafe) public static var lastSampleCPU: Double = 0

    @inline(__always)
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds used by the whole process (all threads); less sensitive to other load than wall time.
    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    /// nanoGPT's estimate_mfu count per token: 6N + 12·L·NH·hs·T (N without the position table).
    public static func flopsPerToken(_ c: GPTConfig) -> Int {
        6 * ParameterLayout(c).countWithoutPositions + 12 * c.nLayer * c.nHead * c.headSize * c.contextLength
    }

    /// Best GFLOP/s of a square sgemm (1024 and 2048) with the current BLAS thread count.
    public static func sgemmPeak(minTime: Double = 0.5) -> Double {
        var best = 0.0
        for n in [1024, 2048] {
            let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
            var rng = GPTRandom(seed: 1)
            for i in 0..<(n * n) { a[i] = rng.uniformFloat() - 0.5; b[i] = rng.uniformFloat() - 0.5 }
            gemm(.no, .no, n, n, n, 1, a.base, n, b.base, n, 0, c.base, n)  // warm-up
            let start = now()
            while now() - start < minTime {
                let t0 = now()
                gemm(.no, .no, n, n, n, 1, a.base, n, b.base, n, 0, c.base, n)
                best = max(best, 2.0 * Double(n * n * n) / (now() - t0) / 1e9)
            }
        }
        return best
    }

    /// Median training step (forward, backward, clip, AdamW, zero-grad) on random tokens.
    public static func train(_ s: BenchmarkSetup) -> (step: Double, fwd: Double, bwd: Double, adam: Double) {
        let c = s.config, B = s.batch, T = c.contextLength
        guard let model = try? GPTModel(config: c, seed: 1337) else { return (0, 0, 0, 0) }
        let opt = AdamW(layout: model.layout, parameters: AdamWParameters(weightDecay: 0.1, gradClip: 1.0))
        var rng = GPTRandom(seed: 7)
        let x = (0..<(B * T)).map { _ in Int32(rng.int(below: c.vocabSize)) }
        let y = (0..<(B * T)).map { _ in Int32(rng.int(below: c.vocabSize)) }
        let dl = [Float](repeating: -1 / Float(B * T), count: B * T)
        var steps: [Double] = [], fw: [Double] = [], bw: [Double] = [], ad: [Double] = []
        for i in 0..<(s.warmup + s.trainSteps) {
            let t0 = now()
            model.forward(tokens: x, targets: y, B: B, T: T)
            let t1 = now()
            model.zeroGrad()
            model.backward(dLogProbs: dl)
            let t2 = now()
            opt.update(model, learningRate: 1e-3)
            let t3 = now()
            if i >= s.warmup { steps.append(t3 - t0); fw.append(t1 - t0); bw.append(t2 - t1); ad.append(t3 - t2) }
        }
        return (median(steps), median(fw), median(bw), median(ad))
    }

    /// Median wall time of one sampling call (prefill + decode, no EOS), batch × newTokens tokens.
    public static func sample(_ s: BenchmarkSetup) -> Double {
        let c = s.config
        guard let model = try? GPTModel(config: c, seed: 1337) else { return 0 }
        let sampler = Sampler(model: model, maxBatch: s.sampleBatch)
        var rng = GPTRandom(seed: 9)
        let prompts = (0..<s.sampleBatch).map { _ in (0..<s.promptLength).map { _ in rng.int(below: c.vocabSize) } }
        let sp = SamplingParameters(temperature: 1, maxNewTokens: s.newTokens, eosID: nil)
        var times: [Double] = [], cpu: [Double] = []
        for rep in 0..<(s.sampleReps + 1) {
            let rngs = (0..<s.sampleBatch).map { GPTRandom(seed: 5, derive: UInt64(rep), UInt64($0)) }
            let t0 = now(), c0 = cpuNow()
            _ = try? sampler.generate(prompts: prompts, rngs: rngs, parameters: sp)
            if rep > 0 { times.append(now() - t0); cpu.append(cpuNow() - c0) }
        }
        lastSampleCPU = median(cpu)
        return median(times)
    }

    /// Runs every measurement for one setup.
    public static func run(_ s: BenchmarkSetup, peak: Double, train doTrain: Bool = true, sample doSample: Bool = true) -> BenchmarkResult {
        let tr = doTrain ? train(s) : (.nan, .nan, .nan, .nan)
        let sampleCall = doSample ? sample(s) : .nan
        let fpt = flopsPerToken(s.config)
        let tps = Double(s.batch * s.config.contextLength) / tr.step
        return BenchmarkResult(
            config: s.name, params: ParameterLayout(s.config).count, flopsPerToken: fpt,
            trainTokensPerS: tps, trainGflops: tps * Double(fpt) / 1e9, trainStepMedianS: tr.step,
            fwdS: tr.fwd, bwdClipS: tr.bwd, adamwS: tr.adam,
            sampleTokensPerS: Double(s.sampleBatch * s.newTokens) / sampleCall, sampleCallMedianS: sampleCall,
            peakGflops: peak)
    }
}

extension Benchmark {
    /// GFLOP/s of each sgemm shape one training step of `s` uses (for finding slow products).
    public static func gemmProfile(_ s: BenchmarkSetup) -> [(String, Double)] {
        let c = s.config, BT = s.batch * c.contextLength, C = c.nEmbd, T = c.contextLength, hs = c.headSize, V = c.vocabSize
        let big = FloatBuffer(count: BT * 4 * C * 2 + 4 * C * C * 2)
        var rng = GPTRandom(seed: 1)
        for i in 0..<big.count { big[i] = rng.uniformFloat() - 0.5 }
        let a = big.base, b = big.base + BT * 4 * C, o = big.base + BT * 4 * C + 4 * C * C
        typealias Shape = (String, Transpose, Transpose, Int, Int, Int, Int, Int, Int)
        let shapes: [Shape] = [
            ("fwd qkv  nn", .no, .no, BT, 3 * C, C, C, 3 * C, 3 * C),
            ("fwd fc   nn", .no, .no, BT, 4 * C, C, C, 4 * C, 4 * C),
            ("fwd proj nn", .no, .no, BT, C, 4 * C, 4 * C, C, C),
            ("bwd dX fc nt", .no, .yes, BT, C, 4 * C, 4 * C, 4 * C, C),
            ("bwd dW fc tn", .yes, .no, C, 4 * C, BT, C, 4 * C, 4 * C),
            ("bwd dW proj tn", .yes, .no, 4 * C, C, BT, 4 * C, C, C),
            ("lm_head nt", .no, .yes, BT, V, C, C, C, V),
            ("att QK nt", .no, .yes, T, T, hs, 3 * C, 3 * C, T),
            ("att AV nn", .no, .no, T, hs, T, T, 3 * C, C),
            ("att dK tn", .yes, .no, T, hs, T, T, 3 * C, 3 * C),
        ]
        var out: [(String, Double)] = []
        for (name, ta, tb, M, N, K, lda, ldb, ldc) in shapes {
            gemm(ta, tb, M, N, K, 1, a, lda, b, ldb, 1, o, ldc)
            var times: [Double] = []
            let reps = max(3, Int(2e9 / Double(2 * M * N * K)))
            for _ in 0..<min(reps, 200) {
                let t0 = now()
                gemm(ta, tb, M, N, K, 1, a, lda, b, ldb, 1, o, ldc)
                times.append(now() - t0)
            }
            out.append((name + " \(M)x\(N)x\(K)", 2.0 * Double(M * N * K) / median(times) / 1e9))
        }
        return out
    }
}
