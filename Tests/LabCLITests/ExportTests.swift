// `lab export --hf`, read back by Python's own libraries (tokenizers, safetensors) as Transformers
// reads it, and input paths that resolve from the package root.
import Foundation
import Testing

/// Runs a program (python3, a script), with its output.
func program(_ executable: String, _ args: [String]) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [executable] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

struct ExportTests {
    let trained = "checkpoints/r1zero/step_000190"

    /// The tokenizer gives the lab's ids (BOS, then 3 + the character's place in meta.json's
    /// vocabulary), decodes them back, refuses a character outside the vocabulary; the weights are
    /// the checkpoint's own under Transformers' names; config.json has the checkpoint's sizes.
    @Test func pythonReadsTheExportAsTheLabsModel() throws {
        let out = tempPath("hf")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try lab(["export", trained, "--hf", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote \(out): GPT-2 with 4 layers"))
        let script = #"""
        import json, sys
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        ckpt, out = sys.argv[1], sys.argv[2]
        meta = json.load(open(ckpt + "/meta.json"))
        vocab = meta["vocabulary"]
        tok = Tokenizer.from_file(out + "/tokenizer.json")
        text = "User: 3/4+5/6\nAssistant: <think>check 12*3=36 ok</think><answer>19/12</answer>"
        ids = tok.encode(text).ids
        assert ids == [1] + [3 + vocab.index(ch) for ch in text], ids
        assert tok.decode(ids) == text, tok.decode(ids)
        try:
            tok.encode("1\uff0b1"); sys.exit("a character outside the vocabulary was accepted")
        except Exception:
            pass
        lab, hf = load_file(ckpt + "/model.safetensors"), load_file(out + "/model.safetensors")
        assert sorted(hf) == sorted("transformer." + k for k in lab), sorted(hf)
        for k, v in lab.items():
            assert np.array_equal(hf["transformer." + k], v), k
        c, m = json.load(open(out + "/config.json")), meta["config"]
        assert (c["n_layer"], c["n_head"], c["n_embd"], c["n_positions"], c["vocab_size"]) == \
            (m["nLayer"], m["nHead"], m["nEmbd"], m["contextLength"], m["vocabSize"]), c
        assert (c["pad_token_id"], c["bos_token_id"], c["eos_token_id"]) == (0, 1, 2)
        t = json.load(open(out + "/tokenizer_config.json"))
        assert t["clean_up_tokenization_spaces"] is False and t["bos_token"] == "<bos>", t
        print("ok")
        """#
        let py = try program("python3", ["-c", script, trained, out])
        #expect(py.status == 0 && py.stdout == "ok\n", "python: \(py.stdout) \(py.stderr) (scripts/install-deps installs numpy, safetensors and tokenizers)")
    }

    /// A GPT-2 forward pass written from config.json's fields over the exported files alone
    /// (scripts/check-hf-export's numpy backend) answers held-out questions greedily exactly as
    /// `lab sample --temperature 0` does; on a machine with torch the same script checks
    /// Transformers itself.
    @Test func exportedModelAnswersAsTheLabDoes() throws {
        let r = try program("scripts/check-hf-export", [trained, "--backend", "numpy", "--questions", "4", "--lab", labBinary.path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("4 of 4 greedy answers the same (numpy backend)"), "\(r.stdout)")
    }

    @Test func exportRefusesWhatItCannotUse() throws {
        let missing = try lab(["export", "no/such/checkpoint", "--hf", tempPath("x")])
        #expect(missing.status != 0 && missing.stderr.contains("CHECKPOINT no/such/checkpoint: no such file or directory"), "\(missing.stderr)")
        let file = tempPath("file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let onFile = try lab(["export", trained, "--hf", file])
        #expect(onFile.status != 0 && onFile.stderr.contains("--hf \(file) is a file; expected a directory"), "\(onFile.stderr)")
    }
}

struct HelpTests {
    /// Every subcommand's help gives an example; lab train's states the default of its options.
    @Test func everySubcommandShowsAnExample() throws {
        for c in [["problems", "generate"], ["problems", "stats"], ["problems", "heldout"], ["verify"], ["pretrain"], ["sample"], ["train"],
                  ["eval"], ["traces"], ["compare"], ["report"], ["export"], ["bench"]] {
            let r = try lab(c + ["--help"])
            #expect(r.status == 0 && r.stdout.contains("Example"), "\(c)")
        }
        let train = try lab(["train", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
        for fragment in ["Run seed. (default: 1)", "G: responses per prompt. (default: 8)", "(default: k3 (ppo: k1))",
                         "The critic's learning rate. (default: 0.0001)", "(default: add:1-6,sub:1-6"] {
            #expect(train.contains(fragment), "\(fragment)")
        }
    }
}

struct InputPathTests {
    /// From another directory, the files the lab ships are found in its package root; a path in
    /// neither place is an error that names both.
    @Test func shippedFilesResolveFromThePackageRoot() throws {
        let elsewhere = tempPath("cwd")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let r = try lab(["eval", "checkpoints/base", "--per-family", "1"], in: elsewhere)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("problems/heldout.jsonl: 7 problems"), "\(r.stdout)")
        let root = FileManager.default.currentDirectoryPath
        let missing = try lab(["eval", "checkpoints/nothing-here"], in: elsewhere)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("CHECKPOINT checkpoints/nothing-here: no such file or directory (looked in"), "\(missing.stderr)")
        #expect(missing.stderr.contains("and in the lab's package root \(root))"), "\(missing.stderr)")
    }
}
