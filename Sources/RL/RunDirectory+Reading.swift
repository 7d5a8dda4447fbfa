// Reading a run directory back: its checkpoints in step order, its logs and its saved traces,
// with errors that name the path and say what was expected.
import Foundation
import GPT
import Tasks

extension RunDirectory {
    /// Whether `path` is a checkpoint directory (it holds meta.json).
    public static func isCheckpoint(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + Checkpoint.metaFile)
    }

    /// The checkpoints named on a command line: a checkpoint directory stands for itself, a run
    /// directory for all its `step_NNNNNN/` checkpoints in step order (the last is the final one).
    public static func checkpoints(in paths: [String]) throws(InputFileError) -> [String] {
        var out: [String] = []
        for path in paths {
            if isCheckpoint(path) { out.append(path); continue }
            let run = RunDirectory(path)
            try run.requireDirectory()
            let steps = run.checkpointSteps
            guard !steps.isEmpty else {
                throw InputFileError(path: path, message: "expected a checkpoint directory (with \(Checkpoint.metaFile)) or a run "
                                     + "directory with step_NNNNNN/ checkpoints; found neither")
            }
            out += steps.map { run.checkpoint(step: $0) }
        }
        return out
    }

    func requireDirectory() throws(InputFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputFileError(path: path, message: "no such directory")
        }
        guard isDirectory.boolValue else { throw InputFileError(path: path, message: "expected a directory, found a file") }
    }

    /// Steps whose traces were saved (`samples/step_NNNNNN.jsonl`), ascending.
    public var traceSteps: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/samples")) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), name.hasSuffix(".jsonl") else { return nil }
            return Int(name.dropFirst(5).dropLast(6))
        }.sorted()
    }

    /// The traces saved at `step`; a step without saved traces is an error that lists the steps
    /// that have them.
    public func traces(step: Int) throws(InputFileError) -> [Trace] {
        try requireDirectory()
        let file = samples(step: step)
        guard FileManager.default.fileExists(atPath: file) else {
            let steps = traceSteps
            throw InputFileError(path: file, message: "no traces were saved at step \(step); expected one of the steps with "
                                 + "traces: " + (steps.isEmpty ? "none (\(path)/samples/ is empty or missing)" : Self.list(steps)))
        }
        return try JSONLines.read(file) { try Trace(record: $0) }
    }

    /// The records of a JSONL log (metrics.jsonl, eval.jsonl); [] when the file does not exist.
    public func records(_ file: String) throws(InputFileError) -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        return try JSONLines.read(file) { v in
            guard v["step"]?.intValue != nil else { throw ProblemFormatError.missingField("step") }
            return v
        }
    }

    /// `1, 2, 4, …, 40` (at most ten shown).
    static func list(_ steps: [Int]) -> String {
        let shown = steps.count <= 10 ? steps.map(String.init)
            : steps.prefix(5).map(String.init) + ["…"] + steps.suffix(4).map(String.init)
        return shown.joined(separator: ", ")
    }
}
