// Issue 14's damaged files and hostile flags, through the built binary: each is refused with a
// message naming its source, with no crash, backtrace or runaway allocation.
import Foundation
import Testing
import Tasks

/// Rewrites a JSON file through `edit`.
func editJSON(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    edit(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
}

/// No crash: an error message (exit 1, or 64 for a flag ArgumentParser's validation refuses), not
/// a trap or the runtime's backtrace.
func refused(_ r: RunResult) -> Bool {
    (r.status == 1 || r.status == 64) && !r.stderr.contains("Fatal error") && !r.stderr.contains("Backtrace") && !r.stderr.contains("Illegal instruction")
}

struct HardeningCLITests {
    /// Item 1: meta.json claiming 2^40 channels (or 2^62 layers, or a shape the weights do not
    /// have) is refused by eval, sample and train --resume before anything is allocated.
    @Test func anAbsurdConfigIsRefusedBeforeAllocation() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let last = t.run + "/step_000002"
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("nEmbd 2^40", { m in var c = m["config"] as! [String: Any]; c["nEmbd"] = 1_099_511_627_776; c["nHead"] = 1; m["config"] = c },
             "more than the 2147483648 (8 GiB) a model may have"),
            ("nLayer 2^62", { m in var c = m["config"] as! [String: Any]; c["nLayer"] = 4_611_686_018_427_387_904; m["config"] = c },
             "parameters"),
            ("nEmbd 8192", { m in var c = m["config"] as! [String: Any]; c["nEmbd"] = 8192; m["config"] = c }, "has shape"),
        ]
        for (name, edit, message) in cases {
            let damaged = t.dir + "/damaged"
            try? FileManager.default.removeItem(atPath: damaged)
            try FileManager.default.copyItem(atPath: t.base, toPath: damaged)
            try editJSON(damaged + "/meta.json", edit)
            let e = try lab(["eval", damaged, "--problems", t.problems])
            #expect(refused(e) && e.stderr.contains(damaged) && e.stderr.contains(message), "\(name): \(e.stderr)")
            let s = try lab(["sample", damaged, "--question", "1+2"])
            #expect(refused(s) && s.stderr.contains(message), "\(name): \(s.stderr)")
        }
        try editJSON(last + "/meta.json") { m in var c = m["config"] as! [String: Any]; c["nEmbd"] = 1_099_511_627_776; c["nHead"] = 1; m["config"] = c }
        let r = try lab(["train", "--resume", t.run, "--heldout", t.problems, "--steps", "3"])
        // The shape is compared with the base's before anything is built from it.
        #expect(refused(r) && r.stderr.contains(last + "/meta.json") && r.stderr.contains("is not a checkpoint of this run"), "\(r.stderr)")
    }

    /// Item 12: a run's checkpoint whose vocabulary is not its base's is not resumed.
    @Test func resumeRefusesACheckpointOfAnotherVocabulary() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let last = t.run + "/step_000002"
        try editJSON(last + "/meta.json") { m in m["vocabulary"] = String((m["vocabulary"] as! String).reversed()) }
        let r = try lab(["train", "--resume", t.run, "--heldout", t.problems, "--steps", "3"])
        #expect(refused(r) && r.stderr.contains("vocabulary") && r.stderr.contains("is not a checkpoint of this run"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: t.run + "/step_000003"))
    }

    /// Item 2: --batch is bounded, and a batch larger than the work is cut to the work.
    @Test func evalBatchIsBoundedAndCutToTheWork() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let huge = try lab(["eval", t.base, "--problems", t.problems, "--batch", "1000000000"])
        #expect(refused(huge) && huge.stderr.contains("--batch must be between 1 and 1024"), "\(huge.stderr)")
        let big = try lab(["eval", t.base, "--problems", t.problems, "--batch", "1024", "--max-length", "8"])
        #expect(big.status == 0 && big.stdout.contains("pass@1"), "\(big.stderr)")
    }
}

struct ProblemFileHardeningTests {
    /// Item 7: an answer the verifier could never accept is refused when the file is read, by line.
    @Test(arguments: [("two", "must be a number"), ("1+1", "must be a number"), ("1/0", "must be a number"), ("", "must be a number")])
    func answersAreValidatedAtReadTime(answer: String, message: String) throws {
        let dir = tempPath("answers")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/p.jsonl"
        try (#"{"id": "a", "family": "add", "difficulty": 1, "question": "1+1", "answer": "2"}"# + "\n"
             + #"{"id": "b", "family": "add", "difficulty": 1, "question": "1+1", "answer": "\#(answer)"}"# + "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        for args in [["problems", "stats", file], ["eval", "checkpoints/base", "--problems", file]] {
            let r = try lab(args)
            #expect(refused(r) && r.stderr.contains("\(file):2: field \"answer\" \(message)"), "\(args[0]): \(r.stderr)")
        }
    }

    @Test func aCountdownAnswerMustMakeTheTarget() throws {
        let dir = tempPath("countdown")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/p.jsonl"
        try #"{"id": "c", "family": "countdown", "difficulty": 3, "question": "make 24 from 2,3,4", "answer": "2*3+4", "numbers": [2, 3, 4], "target": 24}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = try lab(["problems", "stats", file])
        #expect(refused(r) && r.stderr.contains("\(file):1: field \"answer\" must be an expression") && r.stderr.contains("equals 10, not 24"), "\(r.stderr)")
    }

    /// Item 8: a question the model cannot read, or whose prompt fills its context, is reported
    /// with the file and line of the problem.
    @Test func unreadableQuestionsNameTheirLine() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let good = try String(contentsOfFile: t.problems, encoding: .utf8)
        let wide = #"{"id": "w", "family": "add", "difficulty": 1, "question": "1\#u{FF11}+2", "answer": "3"}"#
        let long = #"{"id": "l", "family": "add", "difficulty": 1, "question": "\#(String(repeating: "1", count: 200))+1", "answer": "1\#(String(repeating: "1", count: 198))2"}"#
        for (line, message) in [(wide, #"question "1１+2": character "１" at position 1 is not in the vocabulary of the model"#),
                                (long, "question of 202 characters: its prompt takes 221 tokens and the model's context is 64")] {
            let file = t.dir + "/bad.jsonl"
            try (good + line + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let n = good.split(separator: "\n").count + 1
            let e = try lab(["eval", t.base, "--problems", file, "--max-length", "4"])
            #expect(refused(e) && e.stderr.contains("\(file):\(n): \(message)"), "\(e.stderr)")
            let tr = try lab(["traces", "--compare", t.base, t.base, "--problems", file, "-n", "1"])
            #expect(refused(tr) && tr.stderr.contains("\(file):\(n):"), "\(tr.stderr)")
            let r = try lab(["train", "--base", t.base, "--heldout", file, "--steps", "1", "--out", t.dir + "/never"])
            #expect(refused(r) && r.stderr.contains("\(file):\(n):"), "\(r.stderr)")
        }
    }
}

struct LeftoverTests {
    /// Item 14: what a kill -9 in the middle of a save leaves (a half-written checkpoint, a
    /// temporary log, a checkpoint moved aside for its replacement) is tidied by the resume: the
    /// incomplete files go, the complete checkpoint is put back and resumed from.
    @Test func resumeTidiesWhatAnInterruptedSaveLeft() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: t.run + "/.step_000003.tmp-123-abc", withIntermediateDirectories: true)
        try Data(count: 1000).write(to: URL(fileURLWithPath: t.run + "/.step_000003.tmp-123-abc/model.safetensors"))
        try Data("{\"step\": 3}\n".utf8).write(to: URL(fileURLWithPath: t.run + "/.metrics.jsonl.tmp-999"))
        try Data().write(to: URL(fileURLWithPath: t.run + "/samples/.step_000003.jsonl.tmp-5"))
        try fm.moveItem(atPath: t.run + "/step_000002", toPath: t.run + "/.step_000002.old-77-ff")
        let r = try lab(["train", "--resume", t.run, "--heldout", t.problems, "--steps", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("put back \(t.run)/step_000002") && r.stdout.contains("resuming \(t.run) (grpo) at step 2"), "\(r.stdout)")
        let left = try fm.contentsOfDirectory(atPath: t.run).filter { $0.hasPrefix(".") }
            + fm.contentsOfDirectory(atPath: t.run + "/samples").filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")
        #expect(try records(t.run + "/metrics.jsonl").map { $0["step"]?.intValue } == [1, 2, 3])
    }
}

struct ReproducibilityRecordTests {
    /// A run records what its float results depend on (CPU, OpenBLAS build, kernel and threads, the
    /// model's SIMD target) in config.json and every checkpoint's meta.json, and a resume on a
    /// setup that differs says so.
    @Test func runsRecordTheirMachineAndResumeWarnsWhenItDiffers() throws {
        let t = try TinyLab()
        defer { t.remove() }
        let config = try JSONValue.parse(String(contentsOfFile: t.run + "/config.json", encoding: .utf8))
        let machine = try #require(config["machine"])
        for key in ["cpu", "blas", "blasCore", "simd"] { #expect((machine[key]?.stringValue ?? "").isEmpty == false, "\(key)") }
        #expect((machine["blasThreads"]?.intValue ?? 0) >= 1 && (machine["workerThreads"]?.intValue ?? 0) >= 1)
        let meta = t.run + "/step_000002/meta.json"
        let extras = try JSONValue.parse(String(contentsOfFile: meta, encoding: .utf8))["extras"]
        #expect(extras?["machine.blas_core"]?.stringValue == machine["blasCore"]?.stringValue)
        let same = try lab(["train", "--resume", t.run, "--heldout", t.problems, "--steps", "3"])
        #expect(same.status == 0 && !same.stdout.contains("warning"), "\(same.stdout)")
        // A kernel other than this machine's (OpenBLAS picks Prescott on CPUs it does not know).
        let elsewhere = machine["blasCore"]?.stringValue == "Prescott" ? "Haswell" : "Prescott"
        try editJSON(t.run + "/step_000003/meta.json") { m in
            var e = m["extras"] as! [String: Any]
            e["machine.blas_core"] = elsewhere
            m["extras"] = e
        }
        let other = try lab(["train", "--resume", t.run, "--heldout", t.problems, "--steps", "4"])
        #expect(other.status == 0 && other.stdout.contains("warning: the checkpoint was computed on another setup (OpenBLAS kernel")
                && other.stdout.contains(", \(elsewhere) then"), "\(other.stdout)")
        // The recorded machine stays the one the run started on.
        #expect(try JSONValue.parse(String(contentsOfFile: t.run + "/config.json", encoding: .utf8))["machine"] == machine)
    }
}

struct NonFiniteLossTests {
    /// Item 4: a loss that is not finite says at which step, that the update was not applied, and
    /// what is kept: no checkpoint yet (start again from the unchanged base), or the last one.
    @Test func aDivergingRunSaysWhatItKept() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let args = ["train", "--base", t.base, "--heldout", t.problems, "--steps", "5", "--prompts-per-step", "2", "--group-size", "2",
                    "--max-length", "8", "--random-reward", "0.5", "--lr", "1e10", "--eval-every", "0"]
        let none = try lab(args + ["--out", t.dir + "/a", "--save-every", "0"])
        #expect(refused(none) && none.stderr.contains("is not finite at step") && none.stderr.contains("the update was not applied")
                && none.stderr.contains("the run saved no checkpoint before this step, so start it again (the base model is unchanged)"),
                "\(none.stderr)")
        let some = try lab(args + ["--out", t.dir + "/b", "--save-every", "1"])
        #expect(refused(some) && some.stderr.contains("the last checkpoint, \(t.dir)/b/step_00000") && some.stderr.contains("--resume \(t.dir)/b"),
                "\(some.stderr)")
    }
}

struct OutputPathTests {
    /// Item 10: an output path that cannot be written is refused in plain words before any work.
    @Test func unwritableOutputsAreRefusedFirst() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let file = t.dir + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let cases: [([String], String)] = [
            (["train", "--base", t.base, "--heldout", t.problems, "--steps", "1", "--out", "/proc/x"], "--out /proc/x: cannot create files in /proc"),
            (["train", "--base", t.base, "--heldout", t.problems, "--steps", "1", "--out", file], "--out \(file) is a file; expected a directory"),
            (["train", "--base", t.base, "--heldout", t.problems, "--steps", "1", "--out", file + "/run"], "\(file) is a file, so nothing can be created under it"),
            (["eval", t.base, "--problems", t.problems, "--json", "/proc/x"], "--json /proc/x: cannot create files in /proc"),
            (["eval", t.base, "--problems", t.problems, "--json", t.dir], "--json \(t.dir) is a directory"),
            (["pretrain", "--config", t.dir + "/pretrain.json", "--heldout", t.problems, "--out", "/proc/x"], "cannot create files in /proc"),
            (["problems", "generate", "--family", "add", "--difficulty", "1", "--count", "1", "--out", "/proc/x"], "cannot create files in /proc"),
        ]
        for (args, message) in cases {
            let r = try lab(args)
            #expect(refused(r) && r.stderr.contains(message) && !r.stderr.contains("NSCocoaErrorDomain"), "\(args): \(r.stderr)")
            // Refused before the work: no evaluation progress, no training step.
            #expect(!r.stderr.contains("problems/s") && !r.stdout.contains("step "), "\(args)")
        }
    }
}

struct NewcomerPathTests {
    /// Each step line says the time so far and the time left; the run ends with its wall time, the
    /// held-out result at the end and at its best, and the commands to look at it.
    @Test func trainSaysHowLongAndWhatNext() throws {
        let t = try TinyLab(withRun: false)
        defer { t.remove() }
        let run = t.dir + "/run"
        let r = try lab(["train", "--base", t.base, "--heldout", t.problems, "--steps", "2", "--prompts-per-step", "2", "--group-size", "2",
                         "--max-length", "8", "--eval-every", "1", "--out", run])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("step ") }.allSatisfy { $0.contains(" elapsed, eta ") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("done: \(run), 2 steps in ") && $0.contains("held-out greedy pass@1 ") && $0.contains("at step 2") },
                "\(r.stdout)")
        #expect(r.stdout.contains("lab report \(run)") && r.stdout.contains("lab eval \(t.base) \(run)/step_000002"), "\(r.stdout)")
    }
}
