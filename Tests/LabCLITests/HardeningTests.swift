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
