// Batched sampling with a KV cache: many prompts at once, each with its own RNG and stopping rule.
import Foundation

// MARK: - Parameters and results

/// How to pick the next token.
public struct SamplingParameters: Codable, Equatable, Sendable {
    /// Softmax temperature for *choosing* tokens (reported log-probs are always at temperature 1).
    public var temperature: Float = 1
    /// Keep only the k most likely tokens before sampling (0: no limit).
    public var topK: Int = 0
    /// Keep the smallest set of tokens whose probability reaches p (1: no limit).
    public var topP: Float = 1
    /// Take the argmax instead of sampling (also implied by temperature 0); draws no random numbers.
    public var greedy: Bool = false
    /// Hard cap on generated tokens per sequence.
    public var maxNewTokens: Int = 128
    /// Stop when this token is generated (it is included in the output); nil: never.
    public var eosID: Int? = CharTokenizer.eos
    /// Stop when the generated tokens end with any of these (e.g. the ids of "</answer>"); included.
    public var stopSequences: [[Int]] = []

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, greedy: Bool = false,
                maxNewTokens: Int = 128, eosID: Int? = CharTokenizer.eos, stopSequences: [[Int]] = []) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.greedy = greedy
        self.maxNewTokens = maxNewTokens; self.eosID = eosID; self.stopSequences = stopSequences
    }
}

/// Why a sequence stopped.
public enum StopReason: String, Codable, Sendable, CaseIterable {
    case eos, stopSequence, maxNewTokens, contextFull
}

/// One generated continuation.
public struct Sample: Equatable, Sendable {
    /// Generated ids (prompt excluded; a final EOS or stop sequence included).
    public var tokens: [Int]
    /// log p(token) of each generated token under the model's temperature-1, unfiltered distribution
    /// (the policy's own probability, what GRPO's ratio needs), whatever temperature/top-k/top-p chose it.
    public var logProbs: [Float]
    public var stopReason: StopReason

    public init(tokens: [Int], logProbs: [Float], stopReason: StopReason) {
        self.tokens = tokens
        self.logProbs = logProbs
        self.stopReason = stopReason
    }
}

// MARK: - Sampler

/// Generates continuations for many prompts at once. Each sequence draws from its own `GPTRandom`
/// (one uniform per sampled token, none when greedy), and sequences never share positions or padding,
/// so a sequence's sample does not depend on which other sequences share the batch.
public final class Sampler {
    public let model: GPTModel
    private var sessions: [InferenceSession] = []

    /// `maxBatch` pre-allocates KV caches for that many sequences (they grow on demand otherwise).
    /// A sampler, like its model, is used from one thread at a time; it parallelises internally.
    public init(model: GPTModel, maxBatch: Int = 64) {
        self.model = model
        let groups = max(1, Parallelism.threads)
        sessions = (0..<groups).map { _ in InferenceSession(model: model, slots: max(1, (maxBatch + groups - 1) / groups)) }
    }

    /// Samples one continuation per prompt; `rngs[i]` drives sequence i. Prompts need at least one token
    /// (e.g. BOS) and must leave room in the context. Finished sequences leave the batch at once.
    /// The sequences are split into `Parallelism.threads` groups that decode independently on their own
    /// threads and KV caches (no per-step synchronisation).
    public func generate(prompts: [[Int]], rngs: [GPTRandom], parameters sp: SamplingParameters) throws(GPTError) -> [Sample] {
        let n = prompts.count
        precondition(rngs.count == n, "one RNG per prompt")
        let ctx = model.config.contextLength, V = model.config.vocabSize
        for (i, pr) in prompts.enumerated() {
            guard !pr.isEmpty, pr.count < ctx else {
                throw .invalidConfig("prompt \(i) has \(pr.count) tokens; need 1..<\(ctx) (context length)")
            }
            guard pr.allSatisfy({ $0 >= 0 && $0 < V }) else { throw .invalidConfig("prompt \(i) has an id outside 0..<\(V)") }
        }
        var out = [Sample](repeating: Sample(tokens: [], logProbs: [], stopReason: .maxNewTokens), count: n)
        if n == 0 || sp.maxNewTokens <= 0 { return out }
        // Interleaved groups balance long and short prompts across threads. (Measured: one group with
        // 2-thread BLAS and a split attention loop was 35% slower on `small`, although each group
        // streams all weights from memory every step.)
        let groups = min(Parallelism.threads, n)
        let members = (0..<groups).map { g in Array(stride(from: g, to: n, by: groups)) }
        while sessions.count < groups { sessions.append(InferenceSession(model: model, slots: 1)) }
        for g in 0..<groups where sessions[g].slots < members[g].count {
            sessions[g] = InferenceSession(model: model, slots: members[g].count)
        }
        // Each group decodes to the end on its own thread: one fork-join per call. (Measured: a fork-join
        // per token, which keeps the groups reading each layer's weights at the same time, was no faster.)
        let decoders = (0..<groups).map { g in
            GroupDecoder(prompts: members[g].map { prompts[$0] }, rngs: members[g].map { rngs[$0] }, sp, sessions[g])
        }
        parallelFor(groups) { g in while !decoders[g].finished { decoders[g].advance() } }
        for g in 0..<groups { for (k, i) in members[g].enumerated() { out[i] = decoders[g].out[k] } }
        return out
    }

    /// Picks a token from one row of logits; returns it with its temperature-1 log-prob.
    static func choose(_ logits: UnsafeBufferPointer<Float>, _ sp: SamplingParameters, _ rng: inout GPTRandom,
                       _ work: inout [Float], _ order: inout [Int]) -> (Int, Float) {
        let V = logits.count
        var maxv = -Float.greatestFiniteMagnitude, arg = 0
        for j in 0..<V where logits[j] > maxv { maxv = logits[j]; arg = j }
        // work = exp(logit − max), unnormalised probabilities at temperature 1.
        var sum: Double = 0
        for j in 0..<V { work[j] = exp(logits[j] - maxv); sum += Double(work[j]) }
        let lse = maxv + Float(log(sum))
        if sp.greedy || sp.temperature <= 0 { return (arg, logits[arg] - lse) }

        // Tempered probabilities (unnormalised; at temperature 1 they are `work` already), then optional
        // top-k / top-p filtering.
        let invT = 1 / sp.temperature
        if invT != 1 { for j in 0..<V { work[j] = exp((logits[j] - maxv) * invT) } }
        let filter = (sp.topK > 0 && sp.topK < V) || sp.topP < 1
        var chosen = arg
        if !filter {
            var total: Double = 0
            for j in 0..<V { total += Double(work[j]) }
            let u = Double(rng.uniformFloat()) * total
            var c: Double = 0
            chosen = V - 1
            for j in 0..<V {
                c += Double(work[j])
                if u < c { chosen = j; break }
            }
        } else {
            for j in 0..<V { order[j] = j }
            // Descending by probability, ties by id, so the order is deterministic.
            order.sort { work[$0] > work[$1] || (work[$0] == work[$1] && $0 < $1) }
            var keep = sp.topK > 0 ? min(sp.topK, V) : V
            if sp.topP < 1 {
                var total: Double = 0
                for i in 0..<keep { total += Double(work[order[i]]) }
                var c: Double = 0
                for i in 0..<keep {
                    c += Double(work[order[i]])
                    if c >= Double(sp.topP) * total { keep = i + 1; break }
                }
            }
            var total: Double = 0
            for i in 0..<keep { total += Double(work[order[i]]) }
            let u = Double(rng.uniformFloat()) * total
            var c: Double = 0
            chosen = order[keep - 1]
            for i in 0..<keep {
                c += Double(work[order[i]])
                if u < c { chosen = order[i]; break }
            }
        }
        return (chosen, logits[chosen] - lse)
    }
}

extension Array where Element == Int {
    @inline(__always)
    func ends(with suffix: [Int]) -> Bool {
        guard suffix.count <= count else { return false }
        let off = count - suffix.count
        for i in 0..<suffix.count where self[off + i] != suffix[i] { return false }
        return true
    }
}

// MARK: - One group's decode loop

/// The decode state of one group of sequences on one session; `advance` runs prefill, then one
/// token per call for every sequence still active.
final class GroupDecoder {
    let prompts: [[Int]]
    var rngs: [GPTRandom]
    let sp: SamplingParameters
    let session: InferenceSession
    var out: [Sample]
    private(set) var finished = false
    private var started = false
    private var active: [Int], stillActive: [Int] = [], activeTokens: [Int] = []
    private var next: [Int], work: [Float], order: [Int]

    init(prompts: [[Int]], rngs: [GPTRandom], _ sp: SamplingParameters, _ session: InferenceSession) {
        let n = prompts.count, V = session.model.config.vocabSize
        self.prompts = prompts; self.rngs = rngs; self.sp = sp; self.session = session
        out = [Sample](repeating: Sample(tokens: [], logProbs: [], stopReason: .maxNewTokens), count: n)
        for i in 0..<n { out[i].tokens.reserveCapacity(sp.maxNewTokens); out[i].logProbs.reserveCapacity(sp.maxNewTokens) }
        active = Array(0..<n)
        stillActive.reserveCapacity(n); activeTokens.reserveCapacity(n)
        next = [Int](repeating: 0, count: n)
        work = [Float](repeating: 0, count: V)
        order = [Int](repeating: 0, count: V)
        finished = n == 0
    }

    func advance() {
        if finished { return }
        let logits: UnsafeBufferPointer<Float>
        if !started {
            session.reset()
            logits = session.append(slots: active, tokens: prompts, logits: .last)
            started = true
        } else {
            activeTokens.removeAll(keepingCapacity: true)
            for s in active { activeTokens.append(next[s]) }
            logits = session.appendOne(slots: active, tokens: activeTokens)
        }
        let V = session.model.config.vocabSize, ctx = session.model.config.contextLength
        stillActive.removeAll(keepingCapacity: true)
        for (r, s) in active.enumerated() {
            let row = UnsafeBufferPointer(rebasing: logits[(r * V)..<((r + 1) * V)])
            let (tok, lp) = Sampler.choose(row, sp, &rngs[s], &work, &order)
            out[s].tokens.append(tok)
            out[s].logProbs.append(lp)
            if let e = sp.eosID, tok == e { out[s].stopReason = .eos; continue }
            if sp.stopSequences.contains(where: { !$0.isEmpty && out[s].tokens.ends(with: $0) }) {
                out[s].stopReason = .stopSequence; continue
            }
            if out[s].tokens.count >= sp.maxNewTokens { out[s].stopReason = .maxNewTokens; continue }
            if prompts[s].count + out[s].tokens.count >= ctx { out[s].stopReason = .contextFull; continue }
            next[s] = tok
            stillActive.append(s)
        }
        swap(&active, &stillActive)
        finished = active.isEmpty
    }
}
