// GPTRandom: a small seeded generator (xoshiro256**, seeded through SplitMix64), identical on every platform.
import Foundation

/// Deterministic pseudo-random generator. Same seed → same stream on every platform and run.
///
/// Child streams: `GPTRandom(seed: run, derive: step, problem, sample)` mixes the four numbers through
/// SplitMix64, so each rollout gets an independent stream that can be recreated from its log line.
public struct GPTRandom: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The xoshiro256** state; saved in checkpoints to resume a stream exactly.
    public var state: [UInt64] { [s0, s1, s2, s3] }
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    private enum CodingKeys: String, CodingKey { case state }

    public init(seed: UInt64) {
        var sm = seed
        s0 = GPTRandom.splitMix(&sm); s1 = GPTRandom.splitMix(&sm)
        s2 = GPTRandom.splitMix(&sm); s3 = GPTRandom.splitMix(&sm)
    }

    /// A child stream for (seed, a, b, c), e.g. (run seed, step, problem index, sample index).
    public init(seed: UInt64, derive a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) {
        self.init(seed: GPTRandom.deriveSeed(seed, a, b, c))
    }

    /// Restores a saved state (from `state`).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let st = try c.decode([UInt64].self, forKey: .state)
        guard let r = GPTRandom(state: st) else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: c, debugDescription: "need 4 words, not all 0")
        }
        self = r
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode([s0, s1, s2, s3], forKey: .state)
    }

    public static func == (a: GPTRandom, b: GPTRandom) -> Bool {
        a.s0 == b.s0 && a.s1 == b.s1 && a.s2 == b.s2 && a.s3 == b.s3
    }

    /// Mixes (seed, a, b, c) into one seed; changing any input changes the result unpredictably.
    public static func deriveSeed(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) -> UInt64 {
        var h = seed
        var out = splitMix(&h)
        for x in [a, b, c] {
            h = out ^ (x &* 0x9E37_79B9_7F4A_7C15)
            out = splitMix(&h)
        }
        return out
    }

    @inline(__always)
    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal (Box–Muller; one draw per call, so the stream position is simple to reason about).
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniformDouble()  // (0, 1]
        let u2 = uniformDouble()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// Normal with the given mean and standard deviation, as Float.
    public mutating func normalFloat(mean: Float = 0, std: Float = 1) -> Float {
        mean + std * Float(normal())
    }

    /// Uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0)
        return Int(next(upperBound: UInt64(n)))
    }
}
