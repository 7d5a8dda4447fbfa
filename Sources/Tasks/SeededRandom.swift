// The one seeded random generator of the Tasks library: xoshiro256** seeded by SplitMix64.
//
// Every random choice in problem generation draws from one of these, and every stream is
// derived from (seed, labels…), so any problem can be regenerated on its own. The draws avoid
// the standard library's `random(in:using:)`, whose algorithm is not a stable contract.

public struct SeededRandom: Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        s = (Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm))
    }

    /// A generator for the stream named by `seed` and `labels` (for example family index,
    /// difficulty and problem index); different label lists give independent streams.
    public init(seed: UInt64, _ labels: UInt64...) {
        var h = seed
        for label in labels {
            var x = h ^ (label &* 0x9E37_79B9_7F4A_7C15)
            h = Self.splitMix(&x)
        }
        self.init(seed: h)
    }

    /// The state, so a stream can be saved and restored exactly.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s = (state[0], state[1], state[2], state[3])
    }

    @inline(__always)
    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

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
