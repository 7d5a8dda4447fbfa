// JSONL files: read with errors that name the file and line; write atomically.
import Foundation

/// An error in an input file, with where it happened and what was expected.
public struct InputFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the error is about the whole file.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

public enum JSONLines {
    /// The non-blank lines of a file (or of standard input when `path` is "-"), with their
    /// 1-based line numbers; a line that is not UTF-8 stops the read, naming it.
    public static func lines(of path: String) throws(InputFileError) -> [(line: Int, text: Substring)] {
        var out: [(line: Int, text: Substring)] = []
        for (line, text) in try eachLine(of: path) {
            switch text {
            case let .success(t): out.append((line, Substring(t)))
            case let .failure(e): throw e
            }
        }
        return out
    }

    /// The non-blank lines of a file (or standard input for "-") one by one, each decoded as UTF-8
    /// on its own: a line that is not UTF-8 is an error of that line alone, and the others still read.
    public static func eachLine(of path: String) throws(InputFileError) -> [(line: Int, text: Result<String, InputFileError>)] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw InputFileError(path: path, message: "cannot read the file (\(error.localizedDescription))")
            }
        }
        var out: [(line: Int, text: Result<String, InputFileError>)] = []
        for (i, raw) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let bytes = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw[...]
            if bytes.allSatisfy(isSpace) { continue }
            if let text = String(validating: bytes, as: UTF8.self) {
                out.append((i + 1, .success(text)))
            } else {
                out.append((i + 1, .failure(InputFileError(path: path, line: i + 1, message: "is not UTF-8 text"))))
            }
        }
        return out
    }

    /// Parses every non-blank line as JSON and maps it with `make`; the first bad line stops
    /// the read with an error naming the file and line.
    public static func read<T>(_ path: String, _ make: (JSONValue) throws -> T) throws(InputFileError) -> [T] {
        try readNumbered(path, make).map(\.value)
    }

    /// One line's JSON value; a line that is not JSON says why in a few words.
    public static func value(of line: String) throws(ProblemFormatError) -> JSONValue {
        do { return try JSONValue.parse(line) } catch { throw .notJSON(shortReason(error)) }
    }

    /// `read`, with each value's 1-based line number.
    public static func readNumbered<T>(_ path: String, _ make: (JSONValue) throws -> T) throws(InputFileError) -> [(line: Int, value: T)] {
        var out: [(line: Int, value: T)] = []
        for (line, text) in try lines(of: path) {
            do {
                out.append((line, try make(try value(of: String(text)))))
            } catch {
                throw InputFileError(path: path, line: line, message: "\(error)")
            }
        }
        return out
    }

    /// Reads a problems file.
    public static func readProblems(_ path: String) throws(InputFileError) -> [Problem] {
        try readNumberedProblems(path).map(\.value)
    }

    /// Reads a problems file, each problem with its line number (for errors found later, such as
    /// a question the model cannot read).
    public static func readNumberedProblems(_ path: String) throws(InputFileError) -> [(line: Int, value: Problem)] {
        try readNumbered(path) { try Problem(json: $0) }
    }

    static func shortReason(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(ctx) = error {
            return (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? ctx.debugDescription
        }
        return "\(error)"
    }
}

// MARK: - Atomic writes

public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, fsyncs it, then renames it over
    /// `path`: readers see the old file or the new one, never a half-written one.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw InputFileError(path: tmp.path, message: "cannot create a temporary file")
        }
        let handle = try FileHandle(forWritingTo: tmp)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw InputFileError(path: path, message: "cannot rename the temporary file into place (\(reason))")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
