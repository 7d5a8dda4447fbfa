// How the CLI reports library errors: the message, then a `hint:` line.
import ArgumentParser
import Tasks

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var hint: String

    var description: String { "\(message)\nhint: \(hint)" }

    /// Runs `body`, turning an input-file error into a message with a hint.
    static func wrap<T>(_ body: () throws(InputFileError) -> T) throws -> T {
        do { return try body() } catch {
            throw CLIError(message: "error: \(error)",
                           hint: "each line must be one JSON object; see README \"Problem format\"")
        }
    }
}
