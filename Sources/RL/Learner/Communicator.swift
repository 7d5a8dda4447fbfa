// The processes of a data-parallel run and the few collectives they share. One process by default
// (`SingleProcess`: every collective is the identity, so a single-process run is bit for bit what
// it was before data parallelism); the `LabMPI` target implements it over Open MPI for
// `mpirun -np N lab train|pretrain`. The rule that keeps the ranks in step: every rank makes the
// same decisions from the same global data, so every rank calls the same collectives in the same
// order, and the only per-rank work is a share of the forward/backward passes.
import Foundation
import GPT
import Tasks

public protocol Communicator: AnyObject {
    /// This process's index, 0..<size; rank 0 alone writes files and prints progress.
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise sum over the ranks, in place, the result on every rank (MPI_Allreduce).
    func sum(_ values: UnsafeMutableBufferPointer<Float>)
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Every rank's bytes, in rank order, on every rank (MPI_Allgatherv).
    func gather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Brings the whole job down (MPI_Abort): for an error on one rank, which the others would
    /// otherwise wait for in their next collective forever. The caller prints the message first.
    func abort(code: Int32) -> Never
    /// Seconds spent in collectives and bytes they reduced or gathered, so far.
    var traffic: (seconds: Double, bytes: Int) { get }
    /// Ends this rank's part once its work is done (MPI_Finalize).
    func finish()
}

public extension Communicator {
    var isRoot: Bool { rank == 0 }

    /// The part of 0..<count this rank takes: contiguous, near-equal shares in rank order.
    func share(of count: Int) -> Range<Int> { share(of: count, rank: rank) }

    /// The share of rank r.
    func share(of count: Int, rank r: Int) -> Range<Int> { (count * r / size)..<(count * (r + 1) / size) }

    func sum(_ buffer: FloatBuffer) {
        guard size > 1 else { return }
        sum(UnsafeMutableBufferPointer(start: buffer.base, count: buffer.count))
    }

    func sum(_ values: inout [Double]) {
        guard size > 1 else { return }
        values.withUnsafeMutableBufferPointer { sum($0) }
    }

    func sum(_ value: Double) -> Double {
        guard size > 1 else { return value }
        var v = [value]
        sum(&v)
        return v[0]
    }

    /// Whether any rank says yes (a stop request seen by one rank stops all at the same step).
    func any(_ flag: Bool) -> Bool { size > 1 ? sum(flag ? 1 : 0) > 0 : flag }

    /// Fills in the entries other ranks computed: each rank holds its own entries of `perItem`
    /// (arrays of length `count(i)` where `mine(i)`, anything elsewhere), and afterwards every rank
    /// holds all of them. Exact: every entry is one rank's value plus zeros.
    func complete<T: BinaryFloatingPoint>(_ perItem: inout [[T]], mine: (Int) -> Bool, count: (Int) -> Int) {
        guard size > 1 else { return }
        var offsets = [0]
        for i in perItem.indices { offsets.append(offsets[i] + count(i)) }
        var flat = [Double](repeating: 0, count: offsets.last!)
        for i in perItem.indices where mine(i) {
            precondition(perItem[i].count == count(i), "entry \(i) has \(perItem[i].count) values, expected \(count(i))")
            for (k, x) in perItem[i].enumerated() { flat[offsets[i] + k] = Double(x) }
        }
        sum(&flat)
        for i in perItem.indices { perItem[i] = flat[offsets[i]..<offsets[i + 1]].map { T($0) } }
    }

    /// Waits until every rank gets here.
    func barrier() { _ = sum(0) }

    /// Refuses to start ranks that would train different runs: every named fact (configuration,
    /// held-out set, starting weights, …) must be rank 0's on every rank. Every rank throws alike.
    func agree(on facts: [(name: String, value: String)]) throws(ParameterError) {
        guard size > 1 else { return }
        let mine = facts.map { String(SHA256.hex(Array($0.value.utf8)).prefix(16)) }.joined(separator: ",")
        let all = gather(Array(mine.utf8)).map { String(decoding: $0, as: UTF8.self).split(separator: ",").map(String.init) }
        for (r, theirs) in all.enumerated() where theirs != all[0] {
            let differ = facts.indices.filter { $0 >= theirs.count || theirs[$0] != all[0][$0] }.map { facts[$0].name }
            throw ParameterError(message: "rank \(r) of \(size) would train another run than rank 0: its "
                                 + differ.joined(separator: ", ") + " differ; start every rank with the same flags and files")
        }
    }
}

/// One process: the collectives are the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func gather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    public func abort(code: Int32) -> Never { exit(code) }
    public var traffic: (seconds: Double, bytes: Int) { (0, 0) }
    public func finish() {}
}

/// The sequences of a step's batch this rank runs through the model. Every rank holds the whole
/// scored batch, so any split gives the same statistics; the split deals the sequences out in
/// order of length (longest first, as `SequenceLayout.chunks` sorts them), so every rank gets
/// chunks of the same lengths and none waits long for another at the gradient sum.
struct Shard {
    let comm: any Communicator
    /// Per sequence: whether this rank runs it.
    let mine: [Bool]
}

extension Shard {
    /// Sequence lengths in tokens; ties go by index, so every rank deals alike.
    init(comm: any Communicator, lengths: [Int]) {
        var mine = [Bool](repeating: false, count: lengths.count)
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        for (i, s) in order.enumerated() where i % comm.size == comm.rank { mine[s] = true }
        self.init(comm: comm, mine: mine)
    }
}

// MARK: - Moving rollouts between ranks

/// The compact form of sampled responses for `Communicator.gather`: per response its stop reason,
/// token ids and log-probs.
enum SampleWire {
    static func encode(_ samples: [Sample]) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ x: UInt32) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt32(samples.count))
        for s in samples {
            put(UInt32(StopReason.allCases.firstIndex(of: s.stopReason)!))
            put(UInt32(s.tokens.count))
            for t in s.tokens { put(UInt32(t)) }
            for p in s.logProbs { put(p.bitPattern) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> [Sample] {
        var i = 0
        func get() -> UInt32 {
            defer { i += 4 }
            return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        return (0..<Int(get())).map { _ in
            let reason = StopReason.allCases[Int(get())]
            let n = Int(get())
            let tokens = (0..<n).map { _ in Int(get()) }
            let logProbs = (0..<n).map { _ in Float(bitPattern: get()) }
            return Sample(tokens: tokens, logProbs: logProbs, stopReason: reason)
        }
    }
}

extension Policy {
    /// `Policy.rollouts` shared out over the ranks: each samples its share of the problems (whole
    /// groups, with the same per-response random streams as one process would use), and every
    /// rank gets every rollout back, scored. One process: exactly `rollouts`.
    func rollouts(_ problems: [Problem], samplesEach: Int, sampling: SamplingParameters, seed: UInt64, stream: UInt64,
                  batch: Int, across comm: any Communicator) throws -> [[Rollout]] {
        guard comm.size > 1 else {
            return try rollouts(problems, samplesEach: samplesEach, sampling: sampling, seed: seed, stream: stream, batch: batch)
        }
        let mine = comm.share(of: problems.count)
        let own = try rollouts(Array(problems[mine]), indices: Array(mine), samplesEach: samplesEach, sampling: sampling,
                               seed: seed, stream: stream, batch: batch)
        let parts = comm.gather(SampleWire.encode(own.flatMap { $0.map(\.sample) }))
        var out: [[Rollout]] = []
        for (r, part) in parts.enumerated() {
            let samples = SampleWire.decode(part)
            let range = comm.share(of: problems.count, rank: r)
            precondition(samples.count == range.count * samplesEach, "rank \(r) sent \(samples.count) responses, expected \(range.count * samplesEach)")
            for (k, i) in range.enumerated() {
                let prompt = try self.prompt(problems[i].question)
                out.append(try (0..<samplesEach).map { try rollout(problems[i], prompt: prompt, sample: samples[k * samplesEach + $0]) })
            }
        }
        return out
    }
}
