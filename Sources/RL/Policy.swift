// A model with its tokenizer and the prompt template: problems in, scored responses out.
// Rollouts for GRPO, evaluation and `lab sample` all answer problems through this one type.
import GPT
import Tasks

/// One sampled response to one problem, scored.
public struct Rollout: Sendable {
    public var problem: Problem
    /// Token ids of the prompt (BOS + template).
    public var promptTokens: [Int]
    /// Generated ids, including a final EOS when there is one.
    public var responseTokens: [Int]
    /// log π(token) at temperature 1 for each generated id (what the sampler reports).
    public var logProbs: [Float]
    /// The response as text (EOS removed).
    public var response: String
    public var stopReason: StopReason
    public var scored: Scored

    /// Characters of the response: the response length the lab logs.
    public var length: Int { response.count }
    /// Stopped by the length limit rather than on its own.
    public var truncated: Bool { stopReason == .maxNewTokens || stopReason == .contextFull }
    /// The response wrote out reasoning: a non-empty think block.
    public var reasons: Bool { !scored.think.allSatisfy(\.isWhitespace) }
    /// Where its first failed check line ends, as an index into `responseTokens` (one token per
    /// Unicode scalar of `response`); nil when no check failed, the response does not open with
    /// its think block, or it holds special tokens that decoding dropped (PAD, BOS), which would
    /// shift the index.
    public var failedCheckEnd: Int? {
        let ids = responseTokens.last == CharTokenizer.eos ? responseTokens.dropLast() : responseTokens[...]
        guard ids.count == response.unicodeScalars.count, response.hasPrefix(Template.thinkOpen + scored.think),
              let end = Reasoning.firstFailedCheckEnd(in: scored.think) else { return nil }
        return Template.thinkOpen.unicodeScalars.count + end
    }
    /// The trajectory an algorithm updates on.
    var trajectory: Trajectory {
        Trajectory(prompt: promptTokens, response: responseTokens, truncated: truncated, failedCheckEnd: failedCheckEnd)
    }
    /// What the sampler returned.
    var sample: Sample { Sample(tokens: responseTokens, logProbs: logProbs, stopReason: stopReason) }
}

public final class Policy {
    public let model: GPTModel
    public let tokenizer: CharTokenizer
    public var scorer: Scorer
    private let sampler: Sampler
    private let stop: [Int]
    /// Seconds the last `rollouts` call spent sampling and scoring.
    public private(set) var lastTimings = (sample: 0.0, score: 0.0)

    public init(model: GPTModel, tokenizer: CharTokenizer, scorer: Scorer = Scorer(), maxBatch: Int = 64) {
        self.model = model
        self.tokenizer = tokenizer
        self.scorer = scorer
        sampler = Sampler(model: model, maxBatch: maxBatch)
        stop = (try? tokenizer.encode("</answer>")) ?? []
    }

    public convenience init(_ checkpoint: LoadedCheckpoint, scorer: Scorer = Scorer()) {
        self.init(model: checkpoint.model, tokenizer: checkpoint.tokenizer, scorer: scorer)
    }

    /// Refuses, by file and line, a problem this model cannot be asked: a question with a character
    /// outside its vocabulary, or a prompt that leaves no room in its context for a response.
    public static func checkQuestions(_ problems: [(line: Int, value: Problem)], path: String, tokenizer: CharTokenizer,
                                      contextLength: Int) throws(InputFileError) {
        for (line, p) in problems {
            do { _ = try tokenizer.encode(p.question) } catch {
                throw InputFileError(path: path, line: line, message: "question \(JSONValue.string(p.question).serialized): \(error) of the model")
            }
            let prompt = 1 + ((try? tokenizer.encode(Template.prompt(p.question)))?.count ?? 0)
            if prompt >= contextLength {
                throw InputFileError(path: path, line: line, message: "question of \(p.question.count) characters: its prompt takes \(prompt) "
                                     + "tokens and the model's context is \(contextLength), which leaves no room for a response")
            }
        }
    }

    /// BOS then the template's prompt for the question.
    public func prompt(_ question: String) throws(TokenizerError) -> [Int] {
        [tokenizer.bosID] + (try tokenizer.encode(Template.prompt(question)))
    }

    /// `samplesEach` responses to every problem, sampled in batches of at most `batch`
    /// sequences. Response j of problem i draws from the stream (seed, stream, indices[i], j)
    /// (indices[i] = i when `indices` is nil), so a logged trace can be regenerated alone, and a
    /// caller that passes each problem's index in a larger set (`lab traces`) gets the same
    /// response for it whichever subset it asks. Responses stop at EOS, at `</answer>`, or at
    /// `maxNewTokens` (or the context's end). `progress` hears (responses done, responses in
    /// all) after each batch.
    public func rollouts(_ problems: [Problem], indices: [Int]? = nil, samplesEach: Int, sampling: SamplingParameters,
                         seed: UInt64, stream: UInt64, batch: Int = 64,
                         progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [[Rollout]] {
        precondition(indices == nil || indices!.count == problems.count, "one index per problem")
        precondition(batch >= 1 && samplesEach >= 0, "batch must be positive")
        var sp = sampling
        sp.eosID = tokenizer.eosID
        sp.stopSequences = [stop]
        var jobs: [(i: Int, j: Int, prompt: [Int])] = []
        for (i, p) in problems.enumerated() {
            let prompt = try self.prompt(p.question)
            for j in 0..<samplesEach { jobs.append((i, j, prompt)) }
        }
        var out = problems.map { _ in [Rollout]() }
        let clock = ContinuousClock()
        var sampleTime = Duration.zero, scoreTime = Duration.zero
        for start in stride(from: 0, to: jobs.count, by: batch) {
            let chunk = jobs[start..<min(jobs.count, start + batch)]
            let rngs = chunk.map { GPTRandom(seed: seed, derive: stream, UInt64(indices?[$0.i] ?? $0.i), UInt64($0.j)) }
            var samples: [Sample] = []
            sampleTime += try clock.measure {
                samples = try sampler.generate(prompts: chunk.map(\.prompt), rngs: rngs, parameters: sp)
            }
            let t0 = clock.now
            for (job, s) in zip(chunk, samples) { out[job.i].append(try rollout(problems[job.i], prompt: job.prompt, sample: s)) }
            scoreTime += clock.now - t0
            progress(start + chunk.count, jobs.count)
        }
        lastTimings = (sampleTime / .seconds(1), scoreTime / .seconds(1))
        return out
    }

    /// A sampled response to `problem`, decoded and scored.
    func rollout(_ problem: Problem, prompt: [Int], sample s: Sample) throws -> Rollout {
        let ids = s.tokens.last == tokenizer.eosID ? Array(s.tokens.dropLast()) : s.tokens
        let text = try tokenizer.decode(ids)
        return Rollout(problem: problem, promptTokens: prompt, responseTokens: s.tokens, logProbs: s.logProbs, response: text,
                       stopReason: s.stopReason, scored: scorer.score(text, for: problem))
    }
}
