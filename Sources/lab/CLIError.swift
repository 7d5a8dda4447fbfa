// How the CLI reports library errors: the message, then a `hint:` line.
import ArgumentParser
import Foundation
import GPT
import RL
import Tasks

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var hint: String

    var description: String { "\(message)\nhint: \(hint)" }

    /// Runs `body`, turning an input-file error (`file:line: field "x" must be …, not …`) into a
    /// message with a hint that says what each line must hold (by default, a problem line).
    static func wrap<T>(hint: String = Problem.formatHint, _ body: () throws(InputFileError) -> T) throws -> T {
        do { return try body() } catch {
            throw CLIError(message: "\(error)", hint: hint)
        }
    }

    /// Runs `body`, turning an error about a checkpoint or run directory into a message with a hint.
    static func runInput<T>(_ body: () throws(InputFileError) -> T,
                            hint: String = "pass a checkpoint directory (with meta.json) or a run directory written by lab train") throws -> T {
        do { return try body() } catch { throw CLIError(message: "\(error)", hint: hint) }
    }

    /// Loads a checkpoint directory, turning its typed error into a message with a hint.
    static func loadCheckpoint(_ path: String) throws -> LoadedCheckpoint {
        do { return try Checkpoint.load(from: path) } catch {
            throw CLIError(message: "\(error)", hint: "a checkpoint directory holds model.safetensors and meta.json")
        }
    }

    /// Refuses, by file and line, the problems this model cannot be asked (`Policy.checkQuestions`).
    static func checkQuestions(_ numbered: [(line: Int, value: Problem)], path: String, for model: GPTModel, _ tokenizer: CharTokenizer) throws {
        do {
            try Policy.checkQuestions(numbered, path: path, tokenizer: tokenizer, contextLength: model.config.contextLength)
        } catch {
            throw CLIError(message: "\(error)", hint: "a question must use the model's characters (digits, + - * / = x, spaces, "
                           + "\"make … from …\") and leave room for a response in its context")
        }
    }

    /// A problem from a question typed on the command line.
    static func problem(question: String) throws -> Problem {
        guard let p = Problem(question: question) else {
            throw CLIError(message: "cannot tell the family of \"\(question)\"",
                           hint: "write it as a problem file's question: 347*28, 84/36, 3/4+5/6, 3x+5=20, make 24 from 2,3,4")
        }
        return p
    }
}

/// Where a command will write, checked before it does any work, with the problem in plain words
/// (not "NSCocoaErrorDomain Code=4" after an hour of evaluation).
enum OutputPath {
    /// A file to be written (atomically, through a temporary file beside it): not a directory, in a
    /// directory that exists or can be created, and can be written in.
    static func checkFile(_ path: String, flag: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError(message: "\(flag) \(path) is a directory; expected a file to write", hint: "give a file name, e.g. \(path)/out.json")
        }
        try checkWritable((path as NSString).deletingLastPathComponent, for: path, flag: flag)
    }

    /// A directory to be created (or written into): not a file, and its nearest existing ancestor
    /// is a directory this process can create things in.
    static func checkDirectory(_ path: String, flag: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIError(message: "\(flag) \(path) is a file; expected a directory", hint: "choose another path for \(flag)")
        }
        try checkWritable(path, for: path, flag: flag)
    }

    /// Creates and removes a probe file in the nearest existing directory on the way to `directory`.
    private static func checkWritable(_ directory: String, for path: String, flag: String) throws {
        var dir = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) {
            let up = (dir as NSString).deletingLastPathComponent
            dir = up.isEmpty ? "." : up
        }
        guard isDirectory.boolValue else {
            throw CLIError(message: "\(flag) \(path): \(dir) is a file, so nothing can be created under it", hint: "choose another path for \(flag)")
        }
        let probe = dir + "/.lab-write-check-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CLIError(message: "\(flag) \(path): cannot create files in \(dir) (\(reason))", hint: "choose a path in a directory you can write to")
        }
        close(fd)
        unlink(probe)
    }
}
