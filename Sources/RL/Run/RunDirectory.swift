// The files of a run directory (DESIGN §3), and the append-only logs in it.
import Foundation
import GPT
import Tasks

/// Files of a run directory (DESIGN §3).
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var config: String { path + "/config.json" }
    public var metrics: String { path + "/metrics.jsonl" }
    public var eval: String { path + "/eval.jsonl" }
    public func samples(step: Int) -> String { path + "/samples/" + Self.stepName(step) + ".jsonl" }
    public func checkpoint(step: Int) -> String { path + "/" + Self.stepName(step) }

    public static func stepName(_ step: Int) -> String {
        "step_" + String(repeating: "0", count: max(0, 6 - String(step).count)) + String(step)
    }

    /// Tidies what the lab itself leaves when it is killed in the middle of a write (kill -9, power
    /// loss): a `.NAME.tmp-*` file or checkpoint directory was never renamed into place, so it is
    /// incomplete and removed; a `.step_N.old-*` checkpoint was complete when it was moved aside for
    /// its replacement, so it is put back when step_N is missing and removed otherwise. Returns one
    /// line per thing done.
    public func removeLeftovers() -> [String] {
        let fm = FileManager.default
        var done: [String] = []
        for dir in [path, path + "/samples"] {
            for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where name.hasPrefix(".") {
                let full = dir + "/" + name
                if name.contains(".tmp-") {
                    if (try? fm.removeItem(atPath: full)) != nil { done.append("removed the incomplete \(full)") }
                } else if name.hasPrefix(".step_"), let r = name.range(of: ".old-") {
                    let target = dir + "/" + name[name.index(after: name.startIndex)..<r.lowerBound]
                    if fm.fileExists(atPath: target) {
                        if (try? fm.removeItem(atPath: full)) != nil { done.append("removed \(full), replaced by \(target)") }
                    } else if (try? fm.moveItem(atPath: full, toPath: target)) != nil {
                        done.append("put back \(target) from \(full), moved aside by an interrupted save")
                    }
                }
            }
        }
        return done
    }

    /// Steps of the checkpoints present, ascending.
    public var checkpointSteps: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), let s = Int(name.dropFirst(5)),
                  FileManager.default.fileExists(atPath: path + "/" + name + "/" + Checkpoint.metaFile) else { return nil }
            return s
        }.sorted()
    }
}

/// A JSON-lines log a run appends to (metrics.jsonl, eval.jsonl): one line per record, written
/// with one `write` and fsynced, so the file is never rewritten whole. On resume it is first cut
/// back (atomically) to the checkpoint's step; a partial last line from a crash goes with it.
struct AppendLog {
    let path: String
    /// Records in the file.
    private(set) var count: Int
    /// The last record kept or appended.
    private(set) var lastRecord: JSONValue?

    /// Opens the log, keeping only records whose step is at most `step` (−1 for a new run: none).
    init(_ path: String, keepingThrough step: Int) throws {
        self.path = path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { count = 0; lastRecord = nil; return }
        let lines = text.split(separator: "\n").map(String.init)
        let kept = lines.filter { line in
            guard let s = (try? JSONValue.parse(line))?["step"]?.intValue else { return false }
            return s <= step
        }
        if kept.count != lines.count || !text.hasSuffix("\n") {
            try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: path)
        }
        count = kept.count
        lastRecord = kept.last.flatMap { try? JSONValue.parse($0) }
    }

    mutating func append(_ line: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw InputFileError(path: path, message: "cannot open for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let data = Array((line + "\n").utf8)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            throw InputFileError(path: path, message: "cannot append: \(String(cString: strerror(errno)))")
        }
        count += 1
        lastRecord = try? JSONValue.parse(line)
    }
}
