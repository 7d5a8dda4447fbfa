// Input paths, relative to the current directory as everywhere, with one convenience: a relative
// path that is not there but is in the lab's package root (where problems/ and checkpoints/ ship)
// is read from there, so `lab eval checkpoints/base` works from any directory. A path found in
// neither place is an error that names both. Output paths are always the current directory's.
import Foundation

enum InputPath {
    /// The package this binary was built in: the nearest directory above the executable (then
    /// above this source file, for a binary copied elsewhere) holding Package.swift and Sources/lab.
    static let packageRoot: String? = {
        let fm = FileManager.default
        func root(above path: String) -> String? {
            var dir = (path as NSString).deletingLastPathComponent
            while dir.count > 1 {
                if fm.fileExists(atPath: dir + "/Package.swift"), fm.fileExists(atPath: dir + "/Sources/lab") { return dir }
                dir = (dir as NSString).deletingLastPathComponent
            }
            return nil
        }
        let executable = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return root(above: executable) ?? root(above: #filePath)
    }()

    /// `path` as given when it exists, is absolute (what is wrong with it is for its reader to
    /// say) or is "-" (standard input); else the package root's copy; else an error naming both
    /// places. `what` names the argument in the error (`--problems`, `CHECKPOINT`).
    static func resolve(_ path: String, what: String) throws -> String {
        let fm = FileManager.default
        if path == "-" || path.hasPrefix("/") || fm.fileExists(atPath: path) { return path }
        if let root = packageRoot, fm.fileExists(atPath: root + "/" + path) { return root + "/" + path }
        throw CLIError(message: "\(what) \(path): no such file or directory (looked in \(fm.currentDirectoryPath)"
                       + (packageRoot.map { " and in the lab's package root \($0)" } ?? "") + ")",
                       hint: "relative paths are read from the current directory, or, for the files the lab ships "
                           + "(problems/, checkpoints/), from its package root")
    }

    static func resolve(_ paths: [String], what: String) throws -> [String] {
        try paths.map { try resolve($0, what: what) }
    }
}
