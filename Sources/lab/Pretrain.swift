// `lab pretrain`: build the base model from the worked-solution corpus.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain the base model on worked solutions (next-character prediction).",
        discussion: """
        The defaults reproduce checkpoints/base (47 minutes on the 2-core machine that made it). Progress goes to standard error.

        Example: lab pretrain --out checkpoints/my-base --steps 500
        """)

    @Option(help: "Checkpoint directory to write.")
    var out = "checkpoints/base"

    @Option(help: "JSON file with PretrainParameters fields to override (see README).")
    var config: String?

    @Option(help: "Optimisation steps.")
    var steps: Int?

    @Option(help: "Seed of the weights and the corpus.")
    var seed: UInt64?

    @Option(help: "Held-out problems, never trained on.")
    var heldout = HeldoutSet.defaultPath

    mutating func run() throws {
        heldout = try InputPath.resolve(heldout, what: "--heldout")
        if let c = config { config = try InputPath.resolve(c, what: "--config") }
        try Cluster.run("pretrain") { comm in try pretrain(comm) }
    }

    func pretrain(_ comm: any Communicator) throws {
        var p = PretrainParameters()
        if let config {
            p = try loadJSON(PretrainParameters.self, from: config, overriding: p)
        }
        if let steps { p.steps = steps }
        if let seed { p.seed = seed }
        guard p.steps > 0 else { throw ValidationError("--steps must be positive") }
        let heldoutProblems = try CLIError.wrap { () throws(InputFileError) in try JSONLines.readProblems(heldout) }
        try OutputPath.checkDirectory(out, flag: "--out")
        if comm.isRoot { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }

        let params = p
        var log = ""
        let (model, tokenizer, records) = try Pretraining.run(p, heldout: heldoutProblems, comm: comm) { r in
            guard comm.isRoot else { return }
            let eta = r.step > 0 ? r.elapsed / Double(r.step) * Double(params.steps - r.step) : 0
            var line = String(format: "step %5d/%d  loss %.4f", r.step, params.steps, r.loss)
            if let h = r.heldoutLoss { line += String(format: "  held-out %.4f", h) }
            line += String(format: "  lr %.2e  %6.0f tok/s  %4.0fs  eta %4.0fs", r.learningRate, r.tokensPerSecond, r.elapsed, eta)
            FileHandle.standardError.write(Data((line + "\n").utf8))
            var members: [(String, JSONValue)] = [("step", .int(r.step)), ("loss", .double(Double(r.loss)))]
            if let h = r.heldoutLoss { members.append(("heldout_loss", .double(Double(h)))) }
            members += [("learning_rate", .double(Double(r.learningRate))), ("tokens_per_s", .double(r.tokensPerSecond.rounded())),
                        ("elapsed_s", .double((r.elapsed * 10).rounded() / 10))]
            log += JSONValue.object(ordered: members) + "\n"
        }
        guard comm.isRoot else { return }
        let last = records.last!
        let lastHeldout = records.last(where: { $0.heldoutLoss != nil })?.heldoutLoss
        var meta = CheckpointMeta(config: model.config, vocabulary: tokenizer.vocabulary, step: p.steps, seed: p.seed)
        meta.extras = [
            "kind": "base",
            "command": "lab pretrain" + (steps.map { " --steps \($0)" } ?? "") + (seed.map { " --seed \($0)" } ?? ""),
            "final_loss": String(last.loss),
            "heldout_loss": lastHeldout.map { String($0) } ?? "",
            "seconds": String(Int(last.elapsed)),
        ]
        meta.extras.merge(MachineFacts.current().extras) { a, _ in a }
        try Checkpoint.save(model, meta: meta, to: out)
        try AtomicFile.write(log, to: out + "/pretrain.jsonl")
        try AtomicFile.write(try encodeJSON(p), to: out + "/config.json")
        print("wrote \(out) (\(model.parameterCount) parameters, held-out loss \(lastHeldout.map { String(format: "%.4f", $0) } ?? "-"), \(Int(last.elapsed)) s)")
    }
}

/// Decodes `type` from a JSON file; fields absent from the file keep the values of `defaults`
/// (nested objects merge key by key; a key the defaults lack is an error naming it).
func loadJSON<T: Codable>(_ type: T.Type, from path: String, overriding defaults: T) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError(message: "cannot read \(path)", hint: "--config takes a JSON file")
    }
    guard let over = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw CLIError(message: "\(path): expected a JSON object", hint: "see README for the fields")
    }
    let base = try JSONMerge.object(defaults)
    let merged: [String: Any]
    do { merged = try JSONMerge.merge(over, onto: base, at: path) } catch {
        throw CLIError(message: "\(error)", hint: "see README for the fields")
    }
    do { return try JSONMerge.decode(T.self, merged) } catch {
        let why = JSONMerge.diagnose(merged, against: base, error: error) { _ = try JSONMerge.decode(T.self, $0) }
        throw CLIError(message: "\(path): \(why)", hint: "check the field types against README")
    }
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
}
