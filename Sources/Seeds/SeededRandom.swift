// The lab's one seeded random generator: xoshiro256** seeded through SplitMix64, identical on
// every platform and run.
//
// Every random choice (problem generation, initial weights, sampling, mini-batch order) draws
// from one of these, and every stream is derived from (seed, labels…): a problem from (seed,
// family, difficulty, index), a rollout from (run seed, step, problem, sample), so any of them
// can be regenerated on its own. The draws avoid the standard library's `random(in:using:)`,
// whose algorithm is not a stable contract.
import Foundation

public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable, Codable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        s = (Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm))
    }

    /// The stream named by `seed` and `labels` (e.g. run seed, step, problem, sample); different
    /// label lists give independent streams.
    public init(seed: UInt64, derive labels: UInt64...) {
        self.init(seed: Self.deriveSeed(seed, labels))
    }

    /// Mixes (seed, labels…) into one seed; changing any input changes the result unpredictably.
    public static func deriveSeed(_ seed: UInt64, _ labels: [UInt64]) -> UInt64 {
        var h = seed
        var out = splitMix(&h)
        for x in labels {
            h = out ^ (x &* 0x9E37_79B9_7F4A_7C15)
            out = splitMix(&h)
        }
        return out
    }

    public static func deriveSeed(_ seed: UInt64, _ labels: UInt64...) -> UInt64 { deriveSeed(seed, labels) }

    /// The state, so a stream can be saved and restored exactly.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s = (state[0], state[1], state[2], state[3])
    }

    public static func == (a: SeededRandom, b: SeededRandom) -> Bool { a.state == b.state }

    private enum CodingKeys: String, CodingKey { case state }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let r = SeededRandom(state: try c.decode([UInt64].self, forKey: .state)) else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: c, debugDescription: "need 4 words, not all 0")
        }
        self = r
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
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
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in `0..<bound` without modulo bias (Lemire's method).
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// Uniform in the closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if span == 0 { return Int(bitPattern: UInt(next())) }  // the full 64-bit range
        return range.lowerBound &+ Int(bitPattern: UInt(below(span)))
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Standard normal (Box–Muller; one pair of draws per call).
    public mutating func normal() -> Double {
        let u1 = 1.0 - unit()  // (0, 1]
        let u2 = unit()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// Normal with the given mean and standard deviation, as Float.
    public mutating func normalFloat(mean: Float = 0, std: Float = 1) -> Float {
        mean + std * Float(normal())
    }

    /// Uniform in 0..<n.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0)
        return Int(below(UInt64(n)))
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func element<C: Collection>(of c: C) -> C.Element where C.Index == Int {
        precondition(!c.isEmpty)
        return c[c.startIndex + int(in: 0...(c.count - 1))]
    }

    /// Fisher–Yates.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, int(in: 0...i))
        }
    }

    /// A decimal integer of exactly `digits` digits (no leading zero; `0`…`9` for one digit
    /// when `allowZero`).
    public mutating func digits(_ digits: Int, allowZero: Bool = false) -> String {
        precondition(digits >= 1)
        var out = [UInt8]()
        out.reserveCapacity(digits)
        let first = digits == 1 && allowZero ? 0 : 1
        out.append(UInt8(ascii: "0") + UInt8(int(in: first...9)))
        for _ in 1..<digits { out.append(UInt8(ascii: "0") + UInt8(int(in: 0...9))) }
        return String(decoding: out, as: UTF8.self)
    }
}
