// `mpirun -np 2` against one process, on the MPI build (`make mpi`, which `make test` runs first):
// a two-rank run of GRPO and PPO (resumed half-way under mpirun) and a two-rank pretraining equal
// the single-process runs up to floating-point summation order, and a failing or disagreeing rank
// ends the job with its message instead of hanging it.
import Foundation
import GPT
import Testing
import Tasks

/// The lab built with the MPI trait, beside the default build.
let mpiLab: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/mpi/release/lab").path
}()

/// `mpirun -np N` over `mpiLab` (each element of `ranks` the arguments of one group of ranks, MPMD
/// style), killed after `timeout` seconds so a hang fails the test instead of stalling the suite.
func mpirun(_ ranks: [(count: Int, args: [String])], binary: String = mpiLab, timeout: Double = 240) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var args = ["mpirun", "--allow-run-as-root", "--oversubscribe"]
    for (i, r) in ranks.enumerated() {
        if i > 0 { args.append(":") }
        args += ["-np", String(r.count), binary] + r.args
    }
    p.arguments = args
    // Output to files: nothing to drain while waiting, and a full pipe cannot block the ranks.
    let outPath = tempPath("mpirun.out"), errPath = tempPath("mpirun.err")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outPath); try? FileManager.default.removeItem(atPath: errPath) }
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    p.standardInput = FileHandle.nullDevice
    let done = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in done.signal() }
    try p.run()
    let timedOut = done.wait(timeout: .now() + timeout) == .timedOut
    if timedOut {
        p.terminate()
        done.wait()
    }
    let o = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", e = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return RunResult(status: timedOut ? -1 : p.terminationStatus, stdout: o, stderr: (timedOut ? "timed out after \(timeout) s\n" : "") + e)
}

func mpirun(_ np: Int, _ args: [String]) throws -> RunResult { try mpirun([(np, args)]) }

/// The same as a single process: |a − b| ≤ 1e-6 + 1e-4·max(|a|, |b|) for every number, equality
/// for everything else. What README states for N ranks against one. TRPO's CG residual, ‖g − Fx‖
/// over ‖g‖, is a difference of nearly equal vectors: its rounding is a fraction of ‖g‖, not of
/// itself, so it is held to 1e-4 of ‖g‖.
func closeEnough(_ a: JSONValue, _ b: JSONValue, key: String = "") -> Bool {
    if let x = a.doubleValue, let y = b.doubleValue {
        return abs(x - y) <= (key == "trpo/cg_residual" ? 1e-4 : 1e-6 + 1e-4 * max(abs(x), abs(y)))
    }
    return a == b
}

/// Keys that measure the machine rather than the run.
func timingKey(_ k: String) -> Bool { k.hasPrefix("time/") || k.hasPrefix("memory/") || k.hasPrefix("mpi/") || k == "tokens_per_s" }

/// The records of a JSON-lines log.
func records(_ path: String) throws -> [JSONValue] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
}

/// The first difference between two logs beyond `closeEnough`, or nil.
func firstDifference(_ one: [JSONValue], _ two: [JSONValue]) -> String? {
    guard one.count == two.count else { return "\(one.count) records against \(two.count)" }
    for (a, b) in zip(one, two) {
        guard case let .object(members) = a, case let .object(others) = b else { return "not objects" }
        for (k, v) in members where !timingKey(k) {
            guard let w = others[k] else { return "step \(a["step"] ?? .null): \(k) missing" }
            if !closeEnough(v, w, key: k) { return "step \(a["step"] ?? .null): \(k) \(v) against \(w)" }
        }
    }
    return nil
}

/// The largest absolute difference between two checkpoints' weights.
func weightDistance(_ a: String, _ b: String) throws -> Float {
    let x = try Checkpoint.load(from: a).model, y = try Checkpoint.load(from: b).model
    var worst: Float = 0
    for i in 0..<x.params.count { worst = max(worst, abs(x.params[i] - y.params[i])) }
    return worst
}

let mpiReady = FileManager.default.isExecutableFile(atPath: mpiLab)

@Suite(.enabled(if: mpiReady, "make mpi builds .build/mpi/release/lab (make test does it first)"))
struct MPITests {
    /// Rollouts are scored by the random-reward control, so the tiny base gets rewards (and
    /// gradients) to learn from; every step's metrics, the held-out evaluation, the traces and the
    /// final weights of two ranks (the second half resumed under mpirun) match one process.
    @Test(arguments: ["grpo", "ppo", "trpo"])
    func twoRanksTrainWhatOneProcessTrains(algo: String) throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let one = t.dir + "/one", two = t.dir + "/two"
        let common = ["--algo", algo, "--base", t.base, "--heldout", t.problems, "--prompts-per-step", "4", "--group-size", "2",
                      "--max-length", "16", "--random-reward", "0.5", "--eval-every", "3", "--samples-every", "3", "--save-every", "1"]
        let r1 = try lab(["train", "--out", one, "--steps", "3"] + common, binary: mpiLab)
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try mpirun(2, ["train", "--out", two, "--steps", "2"] + common)
        #expect(r2.status == 0, "\(r2.stderr)")
        // Rank 0 alone prints and writes.
        #expect(r2.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("step    1/2") }.count == 1, "\(r2.stdout)")
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
        #expect(r2.stdout.contains("on 2 ranks of \(threads) thread\(threads == 1 ? "" : "s") each"), "\(r2.stdout)")
        let r3 = try mpirun(2, ["train", "--resume", two, "--steps", "3", "--heldout", t.problems])
        #expect(r3.status == 0, "\(r3.stderr)")
        // The same configuration; the machine each ran on differs in its thread counts.
        func config(_ dir: String) throws -> (run: JSONValue, machine: JSONValue?) {
            guard case var .object(o) = try JSONValue.parse(String(contentsOfFile: dir + "/config.json", encoding: .utf8)) else { return (.null, nil) }
            let machine = o.removeValue(forKey: "machine")
            return (.object(o), machine)
        }
        let (c1, machine1) = try config(one), (c2, machine2) = try config(two)
        #expect(c1 == c2)
        let perRank = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
        #expect(machine1?["workerThreads"]?.intValue == 2 && machine2?["workerThreads"]?.intValue == perRank, "\(String(describing: machine2))")
        let m1 = try records(one + "/metrics.jsonl"), m2 = try records(two + "/metrics.jsonl")
        #expect(firstDifference(m1, m2) == nil, "\(firstDifference(m1, m2) ?? "")")
        #expect(m2.allSatisfy { $0["mpi/ranks"]?.intValue == 2 && ($0["mpi/bytes"]?.intValue ?? 0) > 0 })
        // The step's rewards were not all equal: there was a gradient to share.
        #expect(m1.contains { ($0["reward_std"]?.doubleValue ?? 0) > 0 })
        // The two-rank run also evaluated at step 2, where its first half ended.
        let e1 = try records(one + "/eval.jsonl"), e2 = try records(two + "/eval.jsonl").filter { $0["step"]?.intValue != 2 }
        #expect(firstDifference(e1, e2) == nil, "\(firstDifference(e1, e2) ?? "")")
        let s1 = try records(one + "/samples/step_000003.jsonl"), s2 = try records(two + "/samples/step_000003.jsonl")
        #expect(s1.map { $0["response"] } == s2.map { $0["response"] })
        let d = try weightDistance(one + "/step_000003", two + "/step_000003")
        #expect(d <= 1e-5, "weights differ by \(d)")
    }

    /// Two-rank pretraining: the same loss records and weights as one process.
    @Test func twoRanksPretrainWhatOneProcessPretrains() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let two = t.dir + "/base2"
        let r = try mpirun(2, ["pretrain", "--config", t.dir + "/pretrain.json", "--out", two, "--heldout", t.problems])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("wrote") }.count == 1, "\(r.stdout)")
        let a = try records(t.base + "/pretrain.jsonl"), b = try records(two + "/pretrain.jsonl")
        #expect(firstDifference(a, b) == nil, "\(firstDifference(a, b) ?? "")")
        let d = try weightDistance(t.base, two)
        #expect(d <= 1e-5, "weights differ by \(d)")
    }

    /// Ranks given different flags refuse to start; a rank that cannot read its input ends the job
    /// with its own message and rank; a lab built without MPI refuses to run as N copies.
    @Test func aFailingOrDisagreeingRankEndsTheJob() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let common = ["train", "--base", t.base, "--heldout", t.problems, "--steps", "1", "--prompts-per-step", "2",
                      "--group-size", "2", "--max-length", "8", "--eval-every", "0"]
        let seeds = try mpirun([(1, common + ["--out", t.dir + "/a", "--seed", "1"]), (1, common + ["--out", t.dir + "/a", "--seed", "2"])])
        #expect(seeds.status != 0 && seeds.stderr.contains("rank 1 of 2 would train another run than rank 0: its configuration differ"),
                "\(seeds.stderr)")
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/a/metrics.jsonl"))
        let missing = t.dir + "/nowhere.jsonl"
        var other = common
        other[other.firstIndex(of: t.problems)!] = missing
        let failed = try mpirun([(1, common + ["--out", t.dir + "/b"]), (1, other + ["--out", t.dir + "/b"])])
        #expect(failed.status != 0 && failed.stderr.contains("rank 1 of 2: error:") && failed.stderr.contains(missing), "\(failed.stderr)")
        let plain = try mpirun([(2, common + ["--out", t.dir + "/c"])], binary: labBinary.path)
        #expect(plain.status != 0 && plain.stderr.contains("built without MPI"), "\(plain.stderr)")
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/c/metrics.jsonl"))
    }
}
