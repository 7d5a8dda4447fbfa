// The committed held-out set: reproducible, large enough, and never served by the training stream.
import Foundation
import Testing
@testable import Tasks

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct HeldoutTests {
    let path = packageRoot.appendingPathComponent(HeldoutSet.defaultPath).path

    @Test func committedFileIsTheDefaultSetAndMatchesItsManifest() throws {
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        let set = HeldoutSet()
        #expect(committed == set.jsonl, "problems/heldout.jsonl differs from `lab problems heldout`")
        let manifest = try JSONValue.parse(String(contentsOfFile: HeldoutSet.manifestPath(for: path), encoding: .utf8))
        #expect(manifest["sha256"]?.stringValue == SHA256.hex(Array(committed.utf8)))
        #expect(manifest["seed"]?.uint64Value == HeldoutSet.defaultSeed)
    }

    @Test func atLeast200DistinctProblemsPerStandardFamilyOverASpread() throws {
        let problems = try JSONLines.readProblems(path)
        #expect(Set(problems.map(\.canonicalKey)).count == problems.count)
        #expect(Set(problems.map(\.family)) == Set(Family.standard))
        for family in Family.standard {
            let ps = problems.filter { $0.family == family }
            #expect(ps.count >= 200, "\(family): \(ps.count)")
            // Spread evenly: every standard difficulty the same number of times.
            for d in family.standardDifficulties {
                #expect(ps.filter { $0.difficulty == d }.count == ps.count / family.standardDifficulties.count, "\(family) \(d)")
            }
        }
    }

    @Test func trainingStreamNeverYieldsAHeldOutProblem() throws {
        let heldout = try JSONLines.readProblems(path)
        let keys = Set(heldout.map(\.canonicalKey))
        var stream = ProblemStream(seed: 1, excluding: heldout)
        var seen = 0
        for _ in 0..<30_000 where keys.contains(stream.next().canonicalKey) { seen += 1 }
        #expect(seen == 0)
        // The exclusion was exercised: easy difficulties collide with held-out problems often.
        #expect(stream.skipped > 0)
        var unfiltered = ProblemStream(seed: 1)
        var collisions = 0
        for _ in 0..<30_000 where keys.contains(unfiltered.next().canonicalKey) { collisions += 1 }
        #expect(collisions > 0)
    }

    @Test func streamResumesExactly() {
        var a = ProblemStream(seed: 9, excluding: HeldoutSet(perFamily: 20).problems)
        var b = a
        for _ in 0..<100 { _ = a.next() }
        let (draws, skipped) = (a.draws, a.skipped)
        let next = (0..<50).map { _ in a.next() }
        for _ in 0..<100 { _ = b.next() }
        var resumed = ProblemStream(seed: 9, curriculum: .standard, excluding: HeldoutSet(perFamily: 20).problems, draws: draws, skipped: skipped)
        #expect((0..<50).map { _ in resumed.next() } == next)
        #expect((0..<50).map { _ in b.next() } == next)
    }

    @Test func curriculumWeightsAreFollowed() {
        let c = Curriculum(entries: [.init(family: .add, difficulties: 3...3, weight: 3), .init(family: .mul, difficulties: 2...2, weight: 1)])
        var s = ProblemStream(seed: 4, curriculum: c)
        let ps = (0..<4000).map { _ in s.next() }
        let adds = ps.filter { $0.family == .add }.count
        #expect(ps.allSatisfy { ($0.family == .add && $0.difficulty == 3) || ($0.family == .mul && $0.difficulty == 2) })
        #expect((2800...3200).contains(adds))
    }

    @Test func curriculumSpecsParse() throws {
        let c = try Curriculum(spec: "add:1-6,mul:2@3,countdown")
        #expect(c.entries == [.init(family: .add, difficulties: 1...6), .init(family: .mul, difficulties: 2...2, weight: 3),
                              .init(family: .countdown, difficulties: 3...4)])
        for bad in ["", "pow", "mul@", "mul:", "mul:3-1", "mul:1-999", "add@-1", "add@0", "@", "add:1-2:3"] {
            #expect(throws: InputFileError.self, "\(bad)") { try Curriculum(spec: bad) }
        }
        // spec says it back in the words init(spec:) reads (what lab train --help shows as the default).
        #expect(c.spec == "add:1-6,mul:2-2@3,countdown:3-4")
        #expect(try Curriculum(spec: c.spec) == c && (try Curriculum(spec: Curriculum.standard.spec)) == .standard)
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
