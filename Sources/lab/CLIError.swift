// How the CLI reports library errors: the message, then a `hint:` line.
import ArgumentParser
import GPT
import Tasks

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var hint: String

    var description: String { "\(message)\nhint: \(hint)" }

    /// Runs `body`, turning an input-file error into a message with a hint.
    static func wrap<T>(_ body: () throws(InputFileError) -> T) throws -> T {
        do { return try body() } catch {
            throw CLIError(message: "\(error)",
                           hint: "each line must be one JSON object; see README \"Problem format\"")
        }
    }

    /// Loads a checkpoint directory, turning its typed error into a message with a hint.
    static func loadCheckpoint(_ path: String) throws -> LoadedCheckpoint {
        do { return try Checkpoint.load(from: path) } catch {
            throw CLIError(message: "\(error)", hint: "a checkpoint directory holds model.safetensors and meta.json")
        }
    }
}
