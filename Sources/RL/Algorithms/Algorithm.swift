// The one varying part of the training loop: how a step's scored rollouts update the policy.
// The loop (Trainer) samples, scores, logs, evaluates and checkpoints for every algorithm alike;
// an algorithm owns its parameters, its extra models (PPO's critic), its optimizer state and the
// metrics it adds. Letters: P prompts per step, G responses per prompt, N = P·G sequences.
import Foundation
import GPT
import Tasks

/// A sampled sequence as the learner sees it.
public struct Trajectory: Sendable {
    public var prompt: [Int]
    /// Generated ids (a final EOS included: the model is trained to stop).
    public var response: [Int]
    public var truncated: Bool
    /// The index in `response` of the token after its first failed check line, where it retries
    /// or answers anyway (`Reasoning.firstFailedCheckEnd`); nil when no check failed.
    public var failedCheckEnd: Int?

    public init(prompt: [Int], response: [Int], truncated: Bool, failedCheckEnd: Int? = nil) {
        self.prompt = prompt
        self.response = response
        self.truncated = truncated
        self.failedCheckEnd = failedCheckEnd
    }
}

/// One step's rollouts: P groups of G trajectories (responses to one prompt) and their rewards.
public struct RolloutBatch: Sendable {
    public let groups: [[Trajectory]]
    public let rewards: [[Double]]
    /// The trajectories flattened, group by group: sequence s belongs to group `groupOf[s]`.
    public let sequences: [Trajectory]
    public let groupOf: [Int]

    public init(groups: [[Trajectory]], rewards: [[Double]]) {
        precondition(rewards.map(\.count) == groups.map(\.count), "one reward per trajectory")
        self.groups = groups
        self.rewards = rewards
        sequences = groups.flatMap { $0 }
        groupOf = groups.enumerated().flatMap { g, members in members.map { _ in g } }
    }

    /// Rewards flattened like `sequences`.
    public var flatRewards: [Double] { rewards.flatMap { $0 } }

    /// Per-sequence values reshaped into groups.
    func grouped<T>(_ flat: [T]) -> [[T]] {
        var out: [[T]] = [], i = 0
        for g in groups { out.append(Array(flat[i..<(i + g.count)])); i += g.count }
        return out
    }
}

/// What the loop tells an update besides the batch.
public struct UpdateContext: Sendable {
    /// The step being taken, 1-based (rollout and mini-batch randomness derive from it).
    public var step: Int
    /// The policy's learning rate at this step.
    public var learningRate: Float
    public init(step: Int, learningRate: Float) {
        self.step = step
        self.learningRate = learningRate
    }
}

/// What one update measured. The common fields keep TRL's names in metrics.jsonl; `metrics` are
/// the algorithm's own (`critic/vf_loss`, `trpo/kl`, …), logged in order after them.
public struct UpdateResult: Sendable {
    public var loss = 0.0
    /// Gradient norm before clipping, of the last optimizer step (nil: no gradient step).
    public var gradNorm: Double?
    /// Mean entropy (nats) of π_θ per response token.
    public var entropy = 0.0
    /// Mean KL to the reference per token (nil when no reference was evaluated).
    public var kl: Double?
    /// Fraction of response tokens whose ratio was clipped (nil: the algorithm has no clip).
    public var clipRatio: Double?
    /// Sequences that took part in the loss.
    public var sequencesUsed = 0
    /// One advantage per response, grouped like the batch (PPO: the mean over the response's
    /// tokens), saved with the traces.
    public var advantages: [[Double]] = []
    public var metrics: [(String, JSONValue)] = []

    public init() {}
}

/// What an algorithm is made from: the policy, the frozen reference (when the parameters ask for
/// a KL to it), the base checkpoint (a critic starts from it), and the run's shared parameters.
struct AlgorithmSetup {
    let policy: GPTModel
    let reference: GPTModel?
    /// Loads the base checkpoint again (a fresh copy of its weights).
    let loadBase: () throws -> GPTModel
    let training: TrainingParameters
    let padID: Int
    /// The policy's optimizer state when resuming.
    let policyOptimizer: AdamW?
    /// The ranks sharing each step's batch (one process by default).
    var comm: any Communicator = SingleProcess()
}

/// An RL update rule. The loop calls `update` once per step and saves `policyOptimizer`,
/// `checkpointFiles()` and `checkpointExtras()` with every checkpoint; on resume `restore` gets
/// them back from the checkpoint directory.
protocol Algorithm: AnyObject {
    func update(_ batch: RolloutBatch, context: UpdateContext) throws -> UpdateResult
    /// The policy's AdamW state, saved as optimizer.safetensors (nil: the algorithm has none).
    var policyOptimizer: AdamW? { get }
    /// Further files of a checkpoint (a critic's weights and optimizer state), by file name.
    func checkpointFiles() throws -> [String: Data]
    /// Small state for meta.json's extras (an adaptive KL coefficient).
    func checkpointExtras() -> [String: String]
    /// Restores what `checkpointFiles` and `checkpointExtras` saved.
    func restore(from directory: String, extras: [String: String]) throws
    /// The bytes of parameters, gradients and optimizer state it holds (the policy's included).
    var footprint: Footprint { get }
}

extension Algorithm {
    func checkpointFiles() throws -> [String: Data] { [:] }
    func checkpointExtras() -> [String: String] { [:] }
    func restore(from directory: String, extras: [String: String]) throws {}
}

/// The AdamW of a policy: restored when resuming, else fresh, with the run's decay and clip.
func policyAdam(_ setup: AlgorithmSetup) -> AdamW {
    let adam = setup.policyOptimizer ?? AdamW(layout: setup.policy.layout)
    adam.parameters = AdamWParameters(weightDecay: setup.training.weightDecay, gradClip: setup.training.gradClip)
    return adam
}

/// Bytes of model state an algorithm holds besides activations.
struct Footprint {
    var parameters = 0, gradients = 0, optimizer = 0

    static func model(_ m: GPTModel, adam: AdamW?) -> Footprint {
        let b = m.parameterCount * MemoryLayout<Float>.size
        return Footprint(parameters: b, gradients: b, optimizer: adam == nil ? 0 : 2 * b)
    }

    static func + (a: Footprint, b: Footprint) -> Footprint {
        Footprint(parameters: a.parameters + b.parameters, gradients: a.gradients + b.gradients, optimizer: a.optimizer + b.optimizer)
    }
}
