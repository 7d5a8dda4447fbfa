// Checkpoints: a directory with model.safetensors, meta.json and optionally optimizer.safetensors,
// written into a temporary sibling directory, fsynced, then renamed into place.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Meta

/// meta.json: everything besides the weights needed to resume or reproduce.
public struct CheckpointMeta: Codable, Equatable, Sendable {
    /// Format version of this directory layout.
    public var format: Int = 1
    public var config: GPTConfig
    /// The tokenizer's character vocabulary (ids 3…; 0-2 are PAD, BOS, EOS).
    public var vocabulary: String
    /// Optimizer steps taken when saved.
    public var step: Int
    /// The run's seed, if any.
    public var seed: UInt64?
    /// State of the run's generator, to resume its stream exactly.
    public var rng: GPTRandom?
    /// Path or name of the checkpoint this one was trained from.
    public var parent: String?
    /// Free-form annotations (source revision, task mix, notes…).
    public var extras: [String: String]

    public init(config: GPTConfig, vocabulary: String, step: Int = 0, seed: UInt64? = nil, rng: GPTRandom? = nil,
                parent: String? = nil, extras: [String: String] = [:]) {
        self.config = config; self.vocabulary = vocabulary; self.step = step; self.seed = seed
        self.rng = rng; self.parent = parent; self.extras = extras
    }
}

/// What `Checkpoint.load` returns.
public struct LoadedCheckpoint {
    public var model: GPTModel
    public var tokenizer: CharTokenizer
    public var meta: CheckpointMeta
    /// Adam state, when optimizer.safetensors was present and `loadOptimizer` was asked.
    public var optimizer: AdamW?
}

// MARK: - Save / load

public enum Checkpoint {
    public static let modelFile = "model.safetensors"
    public static let metaFile = "meta.json"
    public static let optimizerFile = "optimizer.safetensors"

    /// The model's tensors by name, in layout order.
    public static func tensors(of model: GPTModel) -> [NamedTensor] {
        model.layout.tensors.map { t in
            NamedTensor(name: t.name, shape: t.shape,
                        values: Array(UnsafeBufferPointer(start: model.params.base + t.offset, count: t.count)))
        }
    }

    /// Writes the checkpoint directory `directory` atomically (`writeDirectory`).
    /// `extraFiles` (name → contents) go into the same directory in the same atomic write: the
    /// state an algorithm keeps beside the policy, such as a critic's weights.
    public static func save(_ model: GPTModel, meta: CheckpointMeta, optimizer: AdamW? = nil, extraFiles: [String: Data] = [:],
                            to directory: String) throws(CheckpointError) {
        precondition(meta.config == model.config, "meta.config must describe the model")
        let metadata = ["format": "pt"]   // what HF tooling expects to see; harmless elsewhere
        var files = [(name: modelFile, data: SafeTensors.encode(tensors(of: model), metadata: metadata))]
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { files.append((metaFile, try enc.encode(meta))) } catch { throw .io(path: directory + "/" + metaFile, message: "\(error)") }
        if let opt = optimizer {
            let n = opt.m.count
            let ts = [NamedTensor(name: "m", shape: [n], values: opt.m.array),
                      NamedTensor(name: "v", shape: [n], values: opt.v.array)]
            files.append((optimizerFile, SafeTensors.encode(ts, metadata: ["step": String(opt.step)])))
        }
        for (name, data) in extraFiles.sorted(by: { $0.key < $1.key }) {
            precondition(![modelFile, metaFile, optimizerFile].contains(name), "extra file \(name)")
            files.append((name, data))
        }
        try writeDirectory(files, to: directory)
    }

    /// Writes `files` (name → contents) as the directory `directory`, atomically: they go into a
    /// temporary sibling directory, each is fsynced, then the directory is renamed over the old one.
    /// A crash at any moment leaves either the old complete directory at `directory` (or, during the
    /// final swap, at `directory.old-*`) or the new complete one, never a half-written one.
    public static func writeDirectory(_ files: [(name: String, data: Data)], to directory: String) throws(CheckpointError) {
        let fm = FileManager.default
        let dir = (directory as NSString).standardizingPath
        let parent = (dir as NSString).deletingLastPathComponent
        let base = (dir as NSString).lastPathComponent
        let tag = "\(getpid())-\(UInt64.random(in: 0...UInt64.max) & 0xffffff)"
        let tmp = (parent.isEmpty ? "." : parent) + "/.\(base).tmp-\(tag)"
        do {
            try fm.createDirectory(atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        } catch { throw .io(path: tmp, message: "cannot create directory: \(error)") }
        do throws(CheckpointError) {
            for (name, data) in files {
                precondition(!name.contains("/"), "file \(name)")
                try writeSynced(data, to: tmp + "/" + name)
            }
            try fsyncPath(tmp)
            var old: String? = nil
            if fm.fileExists(atPath: dir) {
                old = (parent.isEmpty ? "." : parent) + "/.\(base).old-\(tag)"
                guard rename(dir, old!) == 0 else { throw .io(path: dir, message: "cannot move old directory aside: errno \(errno)") }
            }
            guard rename(tmp, dir) == 0 else { throw .io(path: dir, message: "cannot rename into place: errno \(errno)") }
            try fsyncPath(parent.isEmpty ? "." : parent)
            if let old { try? fm.removeItem(atPath: old) }
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
    }

    /// Loads a checkpoint directory. With `expectedConfig` / `expectedVocabulary`, a checkpoint of another
    /// shape or tokenizer is a typed error rather than a surprise later.
    /// Nothing is allocated for the model until meta.json's shape has been checked against sane
    /// bounds and against model.safetensors' own tensors.
    public static func load(from directory: String, expectedConfig: GPTConfig? = nil, expectedVocabulary: String? = nil,
                            loadOptimizer: Bool = false) throws(CheckpointError) -> LoadedCheckpoint {
        let metaPath = directory + "/" + metaFile
        let meta = try loadMeta(from: directory)
        if let e = expectedConfig, e != meta.config { throw .configMismatch(path: metaPath, expected: e, actual: meta.config) }
        if let e = expectedVocabulary, e != meta.vocabulary {
            throw .vocabularyMismatch(path: metaPath, expected: e, actual: meta.vocabulary)
        }
        let tokenizer: CharTokenizer
        do { tokenizer = try CharTokenizer(vocabulary: meta.vocabulary) }
        catch { throw .invalidMeta(path: metaPath, reason: "vocabulary: \(error)") }
        guard tokenizer.vocabSize == meta.config.vocabSize else {
            throw .invalidMeta(path: metaPath, reason: "vocabulary has \(tokenizer.vocabSize) ids but config.vocabSize is \(meta.config.vocabSize)")
        }
        do { try meta.config.validate() } catch { throw .invalidMeta(path: metaPath, reason: "\(error)") }
        // The file's tensors (as many bytes as the file has) against the layout meta.json describes.
        let layout = ParameterLayout(meta.config)
        let modelPath = directory + "/" + modelFile
        let (tensors, _) = try SafeTensors.decode(try read(modelPath), path: modelPath)
        for t in layout.tensors {
            guard let got = tensors[t.name] else { throw .missingTensor(path: modelPath, tensor: t.name) }
            guard got.shape == t.shape else { throw .shapeMismatch(path: modelPath, tensor: t.name, expected: t.shape, actual: got.shape) }
            if let bad = got.values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(path: modelPath, tensor: t.name, index: bad) }
        }
        if let extra = tensors.keys.sorted().first(where: { layout.tensor(named: $0) == nil }) {
            throw .unexpectedTensor(path: modelPath, tensor: extra)
        }
        let model: GPTModel
        do { model = try GPTModel(config: meta.config, seed: 0) }
        catch { throw .invalidMeta(path: metaPath, reason: "\(error)") }
        for t in layout.tensors {
            tensors[t.name]!.values.withUnsafeBufferPointer { (model.params.base + t.offset).update(from: $0.baseAddress!, count: t.count) }
        }
        var opt: AdamW? = nil
        let optPath = directory + "/" + optimizerFile
        if loadOptimizer && FileManager.default.fileExists(atPath: optPath) {
            let (ts, md) = try SafeTensors.decode(try read(optPath), path: optPath)
            let a = AdamW(layout: model.layout)
            for (name, buf) in [("m", a.m), ("v", a.v)] {
                guard let t = ts[name] else { throw .missingTensor(path: optPath, tensor: name) }
                guard t.shape == [buf.count] else { throw .shapeMismatch(path: optPath, tensor: name, expected: [buf.count], actual: t.shape) }
                if let bad = t.values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(path: optPath, tensor: name, index: bad) }
                t.values.withUnsafeBufferPointer { buf.base.update(from: $0.baseAddress!, count: buf.count) }
            }
            guard let s = md["step"].flatMap({ Int($0) }) else { throw .corruptHeader(path: optPath, reason: "__metadata__.step missing") }
            a.step = s
            opt = a
        }
        return LoadedCheckpoint(model: model, tokenizer: tokenizer, meta: meta, optimizer: opt)
    }

    /// A checkpoint's meta.json alone: its format (this lab reads 1), a step of 0 or more.
    public static func loadMeta(from directory: String) throws(CheckpointError) -> CheckpointMeta {
        let metaPath = directory + "/" + metaFile
        let meta: CheckpointMeta
        let data = try read(metaPath)
        do { meta = try JSONDecoder().decode(CheckpointMeta.self, from: data) }
        catch { throw .invalidMeta(path: metaPath, reason: metaProblem(data) ?? "\(error)") }
        guard meta.format == 1 else { throw .invalidMeta(path: metaPath, reason: "format \(meta.format): this lab reads format 1") }
        guard meta.step >= 0 else { throw .invalidMeta(path: metaPath, reason: "step \(meta.step) is negative") }
        return meta
    }

    /// What is wrong with a meta.json that does not decode, by field, in plain words (Foundation's
    /// own error for 4.5 where an integer belongs says "not valid JSON" and names nothing).
    static func metaProblem(_ data: Data) -> String? {
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else { return "not valid JSON" }
        guard let meta = parsed as? [String: Any] else { return "expected a JSON object" }
        func kind(_ v: Any) -> String {
            if v is NSNull { return "null" }
            if let s = v as? String { return "the string \"\(s.prefix(24))\"" }
            if let n = v as? NSNumber { return "\(n)" }
            return v is [Any] ? "an array" : "an object"
        }
        func integer(_ object: [String: Any], _ key: String, _ field: String) -> String? {
            guard let v = object[key] else { return "field \"\(field)\" is missing" }
            guard let n = v as? NSNumber, !(v is String), n.doubleValue.rounded() == n.doubleValue, abs(n.doubleValue) < 9.2e18 else {
                return "field \"\(field)\" must be an integer, not \(kind(v))"
            }
            return nil
        }
        if let p = integer(meta, "format", "format") ?? integer(meta, "step", "step") { return p }
        guard let config = meta["config"] as? [String: Any] else {
            return meta["config"] == nil ? "field \"config\" is missing" : "field \"config\" must be an object, not \(kind(meta["config"]!))"
        }
        for key in ["vocabSize", "contextLength", "nLayer", "nHead", "nEmbd"] {
            if let p = integer(config, key, "config." + key) { return p }
        }
        guard meta["vocabulary"] is String else { return "field \"vocabulary\" must be a string, not \(meta["vocabulary"].map(kind) ?? "missing")" }
        if let extras = meta["extras"] {
            guard let e = extras as? [String: Any] else { return "field \"extras\" must be an object of strings" }
            if let bad = e.first(where: { !($0.value is String) }) { return "field \"extras.\(bad.key)\" must be a string, not \(kind(bad.value))" }
        }
        return nil
    }

    // MARK: File helpers

    static func read(_ path: String) throws(CheckpointError) -> Data {
        guard let d = FileManager.default.contents(atPath: path) else { throw .io(path: path, message: "cannot read file") }
        return d
    }

    static func writeSynced(_ data: Data, to path: String) throws(CheckpointError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(path: path, message: "cannot create: errno \(errno)") }
        defer { close(fd) }
        let ok: Bool = data.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let w = write(fd, buf.baseAddress! + off, buf.count - off)
                if w < 0 { if errno == EINTR { continue }; return false }
                off += w
            }
            return true
        }
        guard ok else { throw .io(path: path, message: "write failed: errno \(errno)") }
        guard fsync(fd) == 0 else { throw .io(path: path, message: "fsync failed: errno \(errno)") }
    }

    static func fsyncPath(_ path: String) throws(CheckpointError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(path: path, message: "cannot open for fsync: errno \(errno)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: path, message: "fsync failed: errno \(errno)") }
    }
}
