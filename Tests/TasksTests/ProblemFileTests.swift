// Problem lines: the JSONL format, unknown fields kept, bad lines named by file and line.
import Foundation
import Testing
@testable import Tasks

func temporaryFile(_ contents: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-test-\(UUID().uuidString).jsonl").path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

struct ProblemFileTests {
    @Test func linesRoundTripWithUnknownFieldsKept() throws {
        let line = #"{"id": "mul-3x2-000017", "family": "mul", "difficulty": 3, "question": "347*28", "answer": "9716", "source": "hand", "tags": [1, 2]}"#
        let p = try Problem(json: JSONValue.parse(line))
        #expect(p.extra["source"] == .string("hand"))
        #expect(p.jsonLine == line)
        let c = Family.countdown.problem(difficulty: 4, index: 0, seed: 1)
        #expect(try Problem(json: JSONValue.parse(c.jsonLine)) == c)
    }

    @Test(arguments: [
        ("{\"id\": \"a\"", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (#"{"id": "a", "family": "mul", "difficulty": 3, "question": "1*2"}"#, "missing field \"answer\""),
        (#"{"id": "a", "family": "pow", "difficulty": 3, "question": "1", "answer": "1"}"#, "unknown family \"pow\""),
        (#"{"id": "a", "family": "mul", "difficulty": "3", "question": "1", "answer": "1"}"#, "field \"difficulty\" must be an integer"),
        (#"{"id": "a", "family": "countdown", "difficulty": 3, "question": "1", "answer": "1"}"#, "missing field \"numbers\""),
    ])
    func badLineNamesFileAndLine(line: String, message: String) throws {
        let good = Family.add.problem(difficulty: 2, index: 0, seed: 1).jsonLine
        let path = try temporaryFile(good + "\n\n" + good + "\n" + line + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try JSONLines.readProblems(path)
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.line == 4)
            #expect(error.description.hasPrefix("\(path):4: "))
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: InputFileError.self) { try JSONLines.readProblems("/nonexistent/problems.jsonl") }
    }

    @Test func atomicWriteReplacesWholeFiles() throws {
        let path = try temporaryFile("old")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AtomicFile.write("new contents", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new contents")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains(".tmp-") && $0.contains((path as NSString).lastPathComponent) }
        #expect(leftovers.isEmpty)
    }
}
