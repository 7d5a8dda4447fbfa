// Rule-based rewards: a function of the verdict, the format check and (optionally) the step
// checker, returned with its components.

/// The weights of each reward component.
public struct RewardWeights: Sendable, Codable, Equatable {
    /// Reward for a correct answer; the signal RL exists to amplify.
    public var accuracy: Double = 1.0
    /// Reward for exactly `<think>…</think><answer>…</answer>`; small, so that form alone
    /// never outweighs being right (R1-Zero's format reward).
    public var format: Double = 0.1
    /// Weight of the fraction of true arithmetic claims in the think text; 0 (off) by default
    /// because it can be farmed with easy true claims.
    public var steps: Double = 0.0
    /// The random-reward control: when above 0, the accuracy component is replaced by a
    /// Bernoulli draw with this probability (times `accuracy`), independent of the answer and
    /// seeded by the run's seed, the step and the response (the trainer draws it).
    public var random: Double = 0.0

    public init(accuracy: Double = 1.0, format: Double = 0.1, steps: Double = 0.0, random: Double = 0.0) {
        self.accuracy = accuracy
        self.format = format
        self.steps = steps
        self.random = random
    }
}

/// A reward and its parts; `total` is their sum.
public struct Reward: Sendable, Equatable {
    /// `accuracy`, `format`, and `steps` when the step reward is on; each already weighted.
    public var components: [(name: String, value: Double)]
    public var total: Double { components.reduce(0) { $0 + $1.value } }

    public init(components: [(name: String, value: Double)]) { self.components = components }

    public subscript(name: String) -> Double? { components.first { $0.name == name }?.value }

    public static func == (a: Reward, b: Reward) -> Bool {
        a.components.map(\.name) == b.components.map(\.name) && a.components.map(\.value) == b.components.map(\.value)
    }
}

/// Everything the lab knows about one scored response.
public struct Scored: Sendable {
    public var verdict: Verdict
    public var formatOK: Bool
    public var steps: StepSummary
    public var reward: Reward
    public var answer: String?
    /// The think block's text ("" when there is none).
    public var think: String
    /// The verifier's canonical key of the answer (`Verifier.Graded.key`): responses with equal
    /// keys got the same judgement, so majority voting groups by it. nil: no gradable answer.
    public var answerKey: String?
    /// Checks, failed checks and retries in the think block (`Reasoning.marks`).
    public var marks = Reasoning.Marks()
}

public struct Scorer: Sendable {
    public var weights: RewardWeights
    public var verifier: Verifier

    public init(weights: RewardWeights = RewardWeights(), verifier: Verifier = Verifier()) {
        self.weights = weights
        self.verifier = verifier
    }

    public func score(_ response: String, for problem: Problem) -> Scored {
        let r = verifier.verify(response, for: problem)
        let steps = StepChecker.summary(of: r.think)
        var parts: [(String, Double)] = [
            ("accuracy", r.verdict.isCorrect ? weights.accuracy : 0),
            ("format", r.formatOK ? weights.format : 0),
        ]
        if weights.steps != 0 { parts.append(("steps", weights.steps * (steps.accuracy ?? 0))) }
        return Scored(verdict: r.verdict, formatOK: r.formatOK, steps: steps,
                      reward: Reward(components: parts), answer: r.answer, think: r.think,
                      answerKey: r.answerKey, marks: Reasoning.marks(in: r.think))
    }
}
