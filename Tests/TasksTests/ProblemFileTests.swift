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
        (#"{"id": "a", "family": "mul", "difficulty": "3", "question": "1", "answer": "1"}"#, "field \"difficulty\" must be an integer, not the string \"3\""),
        (#"{"id": "a", "family": "mul", "difficulty": 2.5, "question": "1", "answer": "1"}"#, "field \"difficulty\" must be an integer, not the number 2.5"),
        (#"{"id": "a", "family": "mul", "difficulty": 3, "question": "1", "answer": 36}"#, "field \"answer\" must be a string, not the number 36"),
        (#"{"id": null, "family": "mul", "difficulty": 3, "question": "1", "answer": "1"}"#, "field \"id\" must be a string, not null"),
        (#"{"id": "a", "family": "countdown", "difficulty": 3, "question": "1", "answer": "1", "numbers": [1, "2"], "target": 3}"#,
         "field \"numbers\" must be an array of integers, not the string \"2\""),
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

    @Test func theFormatHintNamesEveryFieldAndItsType() {
        for part in ["\"id\" (a string)", "\"family\" (one of add, sub, mul, div, frac, linear, countdown)", "\"difficulty\" (an integer)",
                     "\"question\" (a string)", "\"answer\" (a string)", "\"numbers\" (an array of integers)", "\"target\" (an integer)"] {
            #expect(Problem.formatHint.contains(part), "\(part)")
        }
    }

    /// A file written with CRLF line ends reads as the same problems, numbered by line.
    @Test func crlfLineEndsReadLikeLF() throws {
        let problems = Family.add.problems(difficulty: 2, count: 3, seed: 4)
        let crlf = try temporaryFile(problems.map { $0.jsonLine + "\r\n" }.joined() + "\r\n")
        #expect(try JSONLines.readProblems(crlf) == problems)
        let bad = try temporaryFile(problems[0].jsonLine + "\r\n{\"id\": 1}\r\n")
        #expect { try JSONLines.readProblems(bad) } throws: { "\($0)".contains("\(bad):2") }
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

struct JSONValueTests {
    /// Seeds are UInt64: every one, up to UInt64.max, is written and read back exactly, never
    /// wrapped to a negative Int or rounded through a Double.
    @Test(arguments: [0, 7, UInt64(Int.max), UInt64(Int.max) + 1, 20261122, UInt64.max])
    func unsignedIntegersRoundTripExactly(seed: UInt64) throws {
        let text = JSONValue.object(ordered: [("seed", .unsigned(seed))])
        #expect(text == "{\"seed\": \(seed)}")
        let back = try JSONValue.parse(text)["seed"]
        #expect(back?.uint64Value == seed)
        #expect(back == .unsigned(seed))
        #expect(back?.intValue == (seed <= UInt64(Int.max) ? Int(seed) : nil))
    }

    @Test func negativeNumbersAreNotSeeds() throws {
        #expect(try JSONValue.parse("-1").uint64Value == nil)
        #expect(try JSONValue.parse("1.5").uint64Value == nil)
    }

    @Test func aManifestWithTheLargestSeedIsWritten() throws {
        let set = HeldoutSet(seed: UInt64.max, perFamily: 1)
        let manifest = try JSONValue.parse(set.manifest(file: "x.jsonl"))
        #expect(manifest["seed"]?.uint64Value == UInt64.max)
    }
}
