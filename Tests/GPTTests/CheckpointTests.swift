// Checkpoint round trip, typed errors for damaged files, and Python safetensors compatibility.
import Foundation
import GPT
import Testing

func tempDir(_ name: String) -> String {
    let d = NSTemporaryDirectory() + "gpt-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

func savedCheckpoint(_ name: String, optimizer: Bool = false) throws -> (dir: String, model: GPTModel, meta: CheckpointMeta, opt: AdamW?) {
    let tok = try CharTokenizer(vocabulary: "ab\n 0123456789+=")
    let config = GPTConfig(vocabSize: tok.vocabSize, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8)
    let model = try scrambledModel(config, seed: 77)
    var rng = GPTRandom(seed: 5)
    _ = rng.next()
    let meta = CheckpointMeta(config: config, vocabulary: tok.vocabulary, step: 42, seed: 5, rng: rng,
                              parent: "checkpoints/base", extras: ["note": "unit test", "revision": "abc123"])
    var opt: AdamW? = nil
    if optimizer {
        let o = AdamW(layout: model.layout)
        model.trainingStep(tokens: [1, 2, 3], targets: [2, 3, 4], B: 1, T: 3)
        o.update(model, learningRate: 1e-3)
        opt = o
    }
    let dir = tempDir(name) + "/ckpt"
    try Checkpoint.save(model, meta: meta, optimizer: opt, to: dir)
    return (dir, model, meta, opt)
}

@Test func checkpointRoundTripIsExact() throws {
    let (dir, model, meta, opt) = try savedCheckpoint("roundtrip", optimizer: true)
    let loaded = try Checkpoint.load(from: dir, expectedConfig: model.config, expectedVocabulary: meta.vocabulary, loadOptimizer: true)
    #expect(loaded.model.params.array == model.params.array)
    #expect(loaded.meta == meta)
    #expect(loaded.tokenizer.vocabulary == meta.vocabulary)
    #expect(loaded.optimizer?.m.array == opt?.m.array)
    #expect(loaded.optimizer?.v.array == opt?.v.array)
    #expect(loaded.optimizer?.step == 1)
    // Saving again over it replaces it atomically and leaves no temporary directories behind.
    try Checkpoint.save(loaded.model, meta: loaded.meta, to: dir)
    let parent = (dir as NSString).deletingLastPathComponent
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0 != "ckpt" }
    #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/optimizer.safetensors"))
}

/// A damaged checkpoint and the error it must produce.
struct DamageCase: CustomTestStringConvertible, Sendable {
    var name: String
    var damage: @Sendable (String) throws -> Void
    var matches: @Sendable (CheckpointError) -> Bool
    var expectConfig: GPTConfig? = nil
    var expectVocabulary: String? = nil
    var testDescription: String { name }
}

func rewrite(_ path: String, _ f: (inout Data) -> Void) throws {
    var d = try Data(contentsOf: URL(fileURLWithPath: path))
    f(&d)
    try d.write(to: URL(fileURLWithPath: path))
}

/// Re-encodes model.safetensors after editing its tensor list.
func reencode(_ dir: String, _ edit: (inout [NamedTensor]) -> Void) throws {
    let path = dir + "/model.safetensors"
    let (ts, _) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    var list = ts.values.sorted { $0.name < $1.name }
    edit(&list)
    try SafeTensors.encode(list).write(to: URL(fileURLWithPath: path))
}

/// Replaces the JSON header (keeping the data) with `header`.
func replaceHeader(_ dir: String, _ header: String) throws {
    try rewrite(dir + "/model.safetensors") { d in
        let n = Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var h = Data(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var len = UInt64(h.count).littleEndian
        var out = Data(bytes: &len, count: 8)
        out.append(h)
        out.append(d.suffix(from: 8 + n))
        d = out
    }
}

/// Edits the parsed JSON header (keeping the data bytes as they are).
func editHeader(_ dir: String, _ edit: @escaping (inout [String: Any]) -> Void) throws {
    let path = dir + "/model.safetensors"
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    let n = Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    var header = try JSONSerialization.jsonObject(with: d.subdata(in: 8..<(8 + n))) as! [String: Any]
    edit(&header)
    try replaceHeader(dir, String(decoding: try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]), as: UTF8.self))
}

/// Edits meta.json as a JSON object.
func editMeta(_ dir: String, _ edit: @escaping (inout [String: Any]) -> Void) throws {
    let path = dir + "/meta.json"
    var meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    edit(&meta)
    try JSONSerialization.data(withJSONObject: meta).write(to: URL(fileURLWithPath: path))
}

/// Shifts one tensor's byte range by `bytes`.
func shift(_ name: String, by bytes: Double) -> (inout [String: Any]) -> Void {
    { h in
        var e = h[name] as! [String: Any]
        let o = (e["data_offsets"] as! [NSNumber]).map(\.doubleValue)
        e["data_offsets"] = [o[0] + bytes, o[1] + bytes]
        h[name] = e
    }
}

func invalidMeta(_ text: String) -> @Sendable (CheckpointError) -> Bool {
    { if case .invalidMeta(_, let r) = $0 { return r.contains(text) }; return false }
}

func corruptHeader(_ text: String) -> @Sendable (CheckpointError) -> Bool {
    { if case .corruptHeader(_, let r) = $0 { return r.contains(text) }; return false }
}

let damageCases: [DamageCase] = [
    // Strictness of the safetensors reader (issue 14, item 11).
    DamageCase(name: "overlapping data_offsets", damage: { dir in try editHeader(dir, shift("wpe.weight", by: -4)) },
               matches: corruptHeader("overlap")),
    DamageCase(name: "a gap between tensors", damage: { dir in
        try editHeader(dir) { h in
            // Every tensor but the first (at offset 0) moves 4 bytes up, and the file grows by 4 bytes to keep the end.
            for (k, v) in h where k != "__metadata__" {
                var e = v as! [String: Any]
                let o = (e["data_offsets"] as! [NSNumber]).map(\.intValue)
                if o[0] > 0 { e["data_offsets"] = [o[0] + 4, o[1] + 4]; h[k] = e }
            }
        }
        try rewrite(dir + "/model.safetensors") { $0.append(contentsOf: [0, 0, 0, 0]) }
    }, matches: corruptHeader("belong to no tensor")),
    DamageCase(name: "trailing bytes", damage: { dir in try rewrite(dir + "/model.safetensors") { $0.append(contentsOf: [1, 2, 3, 4]) } },
               matches: corruptHeader("4 bytes after the last tensor")),
    DamageCase(name: "a key twice", damage: { dir in
        let path = dir + "/model.safetensors"
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: d.subdata(in: 8..<(8 + n)), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        try replaceHeader(dir, #"{"__metadata__":{"format":"np"},"# + header.dropFirst())
    }, matches: corruptHeader("__metadata__ appears twice")),
    DamageCase(name: "a fractional offset", damage: { dir in try editHeader(dir, shift("ln_f.weight", by: 0.5)) },
               matches: corruptHeader("not non-negative integers")),
    DamageCase(name: "meta.json of a newer format", damage: { dir in try editMeta(dir) { $0["format"] = 2 } },
               matches: invalidMeta("format 2: this lab reads format 1")),
    DamageCase(name: "a negative step", damage: { dir in try editMeta(dir) { $0["step"] = -3 } },
               matches: invalidMeta("step -3 is negative")),
    // A meta.json whose shape is absurd is refused before anything is allocated (item 1).
    DamageCase(name: "a 2^40-channel config", damage: { dir in
        try editMeta(dir) { m in var c = m["config"] as! [String: Any]; c["nEmbd"] = 1_099_511_627_776; c["nHead"] = 1; m["config"] = c }
    }, matches: invalidMeta("more than the 2147483648 (8 GiB)")),
    DamageCase(name: "a 2^62-layer config", damage: { dir in
        try editMeta(dir) { m in var c = m["config"] as! [String: Any]; c["nLayer"] = 4_611_686_018_427_387_904; m["config"] = c }
    }, matches: invalidMeta("parameters")),
    // Item 6: a field of the wrong kind is named, with what it must be and what it is.
    DamageCase(name: "a fractional layer count", damage: { dir in
        try editMeta(dir) { m in var c = m["config"] as! [String: Any]; c["nLayer"] = 4.5; m["config"] = c }
    }, matches: invalidMeta("field \"config.nLayer\" must be an integer, not 4.5")),
    DamageCase(name: "a step that is a string", damage: { dir in try editMeta(dir) { $0["step"] = "7" } },
               matches: invalidMeta("field \"step\" must be an integer, not the string \"7\"")),
    DamageCase(name: "a config the weights do not have", damage: { dir in
        try editMeta(dir) { m in var c = m["config"] as! [String: Any]; c["nEmbd"] = 8192; m["config"] = c }
    }, matches: { if case .shapeMismatch(_, _, _, _) = $0 { return true }; return false }),
    // The whole data's size, whichever tensor the header happens to list first.
    DamageCase(name: "truncated data", damage: { dir in try rewrite(dir + "/model.safetensors") { $0 = $0.prefix($0.count - 100) } },
               matches: { if case .truncated(let p, let e, let a) = $0 {
                   let full = (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? -1
                   return e == full + 100 && a == full
               }; return false }),
    DamageCase(name: "shorter than the length prefix", damage: { dir in try rewrite(dir + "/model.safetensors") { $0 = $0.prefix(5) } },
               matches: { if case .truncated(_, 8, 5) = $0 { return true }; return false }),
    DamageCase(name: "header length beyond the file", damage: { dir in try rewrite(dir + "/model.safetensors") { $0[6] = 0x7f } },
               matches: { if case .truncated = $0 { return true }; return false }),
    DamageCase(name: "header is not JSON", damage: { dir in try replaceHeader(dir, "{not json") },
               matches: { if case .corruptHeader = $0 { return true }; return false }),
    DamageCase(name: "header lies about a tensor's size", damage: { dir in
        try replaceHeader(dir, #"{"wte.weight":{"dtype":"F32","shape":[17,8],"data_offsets":[0,100]}}"#)
    }, matches: { if case .badTensorRange(_, "wte.weight", 544, 100) = $0 { return true }; return false }),
    DamageCase(name: "unsupported dtype", damage: { dir in
        try replaceHeader(dir, #"{"wte.weight":{"dtype":"F16","shape":[17,8],"data_offsets":[0,272]}}"#)
    }, matches: { if case .unsupportedDType(_, "wte.weight", "F16") = $0 { return true }; return false }),
    DamageCase(name: "missing tensor", damage: { dir in try reencode(dir) { $0.removeAll { $0.name == "h.0.mlp.c_fc.bias" } } },
               matches: { if case .missingTensor(_, "h.0.mlp.c_fc.bias") = $0 { return true }; return false }),
    DamageCase(name: "wrong shape", damage: { dir in try reencode(dir) { l in
        let i = l.firstIndex { $0.name == "h.0.attn.c_proj.weight" }!
        l[i].shape = [4, 16]
    } }, matches: { if case .shapeMismatch(_, "h.0.attn.c_proj.weight", [8, 8], [4, 16]) = $0 { return true }; return false }),
    DamageCase(name: "a NaN weight", damage: { dir in try reencode(dir) { l in
        let i = l.firstIndex { $0.name == "h.0.ln_1.weight" }!
        l[i].values[3] = .nan
    } }, matches: { if case .nonFinite(_, "h.0.ln_1.weight", 3) = $0 { return true }; return false }),
    DamageCase(name: "an infinite weight", damage: { dir in try reencode(dir) { l in
        let i = l.firstIndex { $0.name == "wte.weight" }!
        l[i].values[0] = -.infinity
    } }, matches: { if case .nonFinite(_, "wte.weight", 0) = $0 { return true }; return false }),
    DamageCase(name: "unexpected tensor", damage: { dir in try reencode(dir) { $0.append(NamedTensor(name: "lm_head.weight", shape: [1], values: [0])) } },
               matches: { if case .unexpectedTensor(_, "lm_head.weight") = $0 { return true }; return false }),
    DamageCase(name: "config mismatch", damage: { _ in },
               matches: { if case .configMismatch = $0 { return true }; return false },
               expectConfig: GPTConfig(vocabSize: 17, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8)),
    DamageCase(name: "vocabulary mismatch", damage: { _ in },
               matches: { if case .vocabularyMismatch(_, "ba\n 0123456789+=", _) = $0 { return true }; return false },
               expectVocabulary: "ba\n 0123456789+="),
    DamageCase(name: "meta.json missing", damage: { dir in try FileManager.default.removeItem(atPath: dir + "/meta.json") },
               matches: { if case .io(let p, _) = $0 { return p.hasSuffix("meta.json") }; return false }),
    DamageCase(name: "meta.json corrupt", damage: { dir in try Data("{\"config\":".utf8).write(to: URL(fileURLWithPath: dir + "/meta.json")) },
               matches: { if case .invalidMeta = $0 { return true }; return false }),
    DamageCase(name: "model file missing", damage: { dir in try FileManager.default.removeItem(atPath: dir + "/model.safetensors") },
               matches: { if case .io(let p, _) = $0 { return p.hasSuffix("model.safetensors") }; return false }),
]

@Test("damaged or mismatched checkpoints give typed errors", arguments: damageCases)
func damagedCheckpointsGiveTypedErrors(_ c: DamageCase) throws {
    let (dir, _, _, _) = try savedCheckpoint("damage")
    try c.damage(dir)
    do {
        _ = try Checkpoint.load(from: dir, expectedConfig: c.expectConfig, expectedVocabulary: c.expectVocabulary)
        Issue.record("\(c.name): load succeeded")
    } catch {
        #expect(c.matches(error), "\(c.name): got \(error)")
        #expect(error.description.contains(dir), "error should name the path: \(error)")
    }
}

@Test func pythonSafetensorsReadsTheWeights() throws {
    let (dir, model, _, _) = try savedCheckpoint("python")
    let script = """
    import json, sys
    try:
        from safetensors.numpy import load_file
    except ImportError as e:
        print("IMPORT-FAILED", e); sys.exit(3)
    t = load_file(sys.argv[1])
    print(json.dumps({k: {"shape": list(v.shape), "dtype": str(v.dtype), "values": [float(x) for x in v.reshape(-1)[:3]], "sum": float(v.astype("float64").sum())} for k, v in t.items()}))
    """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, dir + "/model.safetensors"]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0 else {
        Issue.record("""
        Python could not read the checkpoint (status \(p.terminationStatus)). \
        The safetensors package is required: pip install safetensors numpy. \(text) \(errText)
        """)
        return
    }
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    #expect(Set(json.keys) == Set(model.layout.tensors.map(\.name)))
    for t in model.layout.tensors {
        let e = try #require(json[t.name])
        #expect((e["shape"] as? [Int]) == t.shape, "\(t.name)")
        #expect((e["dtype"] as? String) == "float32")
        let vals = (e["values"] as? [Double]) ?? []
        for (k, v) in vals.enumerated() { #expect(Float(v) == model.params[t.offset + k], "\(t.name)[\(k)]") }
        let sum = (0..<t.count).reduce(0.0) { $0 + Double(model.params[t.offset + $1]) }
        #expect(abs(((e["sum"] as? Double) ?? .nan) - sum) < 1e-6 * max(1, abs(sum)))
    }
}

/// The bound on a config's size is computed from the same count the layout allocates.
@Test(arguments: [GPTConfig(vocabSize: 19, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 8),
                  GPTConfig(vocabSize: 99, contextLength: 576, nLayer: 4, nHead: 4, nEmbd: 160),
                  GPTConfig(vocabSize: 65, contextLength: 64, nLayer: 3, nHead: 4, nEmbd: 32, bias: false)])
func parameterEstimateIsTheLayoutsCount(_ c: GPTConfig) {
    #expect(c.parameterEstimate == Double(ParameterLayout(c).count))
}

/// `lab export --hf`'s files: every tensor under Transformers' GPT-2 name with the lab's values,
/// zero biases for a bias-free model (so the export always has GPT-2's full set), and a config
/// with the model's sizes.
@Test(arguments: [true, false]) func huggingFaceExportHasGPT2sTensorsAndSizes(bias: Bool) throws {
    let tok = try CharTokenizer(vocabulary: "ab\n 0123456789+=")
    let config = GPTConfig(vocabSize: tok.vocabSize, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, bias: bias)
    let model = try scrambledModel(config, seed: 3)
    let files = Dictionary(uniqueKeysWithValues: HuggingFace.files(of: model, tokenizer: tok, source: "ckpt", step: 7).map { ($0.name, $0.data) })
    #expect(Set(files.keys) == ["config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json",
                                "tokenizer.json", "tokenizer_config.json"])
    let (tensors, _) = try SafeTensors.decode(try #require(files["model.safetensors"]), path: "export")
    let full = GPTConfig(vocabSize: tok.vocabSize, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, bias: true)
    #expect(Set(tensors.keys) == Set(ParameterLayout(full).tensors.map { "transformer." + $0.name }))
    for (name, t) in tensors {
        let lab = name.dropFirst("transformer.".count)
        if let own = model.layout.tensor(named: String(lab)) {
            #expect(t.shape == own.shape && t.values == Array(UnsafeBufferPointer(start: model.params.base + own.offset, count: own.count)), "\(name)")
        } else {
            #expect(!bias && name.hasSuffix(".bias") && t.values.allSatisfy { $0 == 0 }, "\(name)")
        }
    }
    let configData = try #require(files["config.json"])
    let c = try #require(try JSONSerialization.jsonObject(with: configData) as? [String: Any])
    #expect(c["model_type"] as? String == "gpt2" && c["n_layer"] as? Int == 2 && c["n_head"] as? Int == 2 && c["n_embd"] as? Int == 8)
    #expect(c["vocab_size"] as? Int == tok.vocabSize && c["n_positions"] as? Int == 8 && c["activation_function"] as? String == "gelu")
    #expect(c["layer_norm_epsilon"] as? Double == Double(GPTConfig.layerNormEpsilon) && c["tie_word_embeddings"] as? Bool == true)
}
