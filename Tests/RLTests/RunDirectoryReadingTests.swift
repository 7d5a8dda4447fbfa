// Reading a run directory back: checkpoint and run directories named on a command line.
import Foundation
import Testing
import Tasks
@testable import RL

struct RunDirectoryReadingTests {
    func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("lab-read-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func aRunDirectoryStandsForItsCheckpointsInStepOrder() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for step in [40, 8, 120] {
            try FileManager.default.createDirectory(atPath: RunDirectory(dir).checkpoint(step: step), withIntermediateDirectories: true)
            try "{}".write(toFile: RunDirectory(dir).checkpoint(step: step) + "/meta.json", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: dir + "/step_000009", withIntermediateDirectories: true)   // no meta.json
        #expect(try RunDirectory.checkpoints(in: [dir]) == [8, 40, 120].map { RunDirectory(dir).checkpoint(step: $0) })
        let single = RunDirectory(dir).checkpoint(step: 40)
        #expect(try RunDirectory.checkpoints(in: [single, dir]).count == 4)
    }

    @Test func emptyOrMissingDirectoriesSayWhatWasExpected() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do { _ = try RunDirectory.checkpoints(in: [dir]); Issue.record("no error") } catch {
            #expect(error.path == dir && error.message.contains("meta.json") && error.message.contains("step_NNNNNN"))
        }
        do { _ = try RunDirectory.checkpoints(in: [dir + "/nope"]); Issue.record("no error") } catch {
            #expect(error.message == "no such directory")
        }
    }
}
