// Checks, slips and repairs: full solutions check themselves and pass, a repair trace is exactly
// one false claim exposed by its check and then a true redo, and the detector reads both.
import Testing
@testable import Tasks

struct ReasoningTests {
    /// A full solution's check passes, and the detector sees a check and nothing failed.
    @Test(arguments: Family.allCases)
    func fullSolutionsCheckThemselvesAndPass(family: Family) throws {
        for d in family.standardDifficulties {
            for p in family.problems(difficulty: d, count: 40, seed: 23) {
                let text = try p.solution(style: .full)
                let marks = Reasoning.marks(in: text)
                #expect(marks.hasCheck == (family != .frac), "\(p.id)\n\(text)")
                #expect(!marks.hasFailedCheck && !marks.hasRetry, "\(p.id)\n\(text)")
            }
        }
    }

    /// Every slip position of every repairing family: one false claim (the slip), before the
    /// retry; the check before the retry is true as arithmetic and says `wrong`; everything after
    /// the retry is true, its check says `ok`, and the answer is right.
    @Test(arguments: Family.allCases)
    func repairTracesAreOneSlipExposedThenATrueRedo(family: Family) throws {
        let scorer = Scorer()
        var written = 0
        for d in family.standardDifficulties {
            for p in family.problems(difficulty: d, count: 12, seed: 29) {
                for step in 0..<40 {
                    guard let text = try p.repairSolution(step: step, up: step % 2 == 0) else {
                        #expect(family == .frac || family == .countdown, "\(p.id) step \(step) wrote no repair")
                        continue
                    }
                    written += 1
                    let s = scorer.score(text, for: p)
                    #expect(s.verdict == .correct && s.formatOK, "\(p.id)\n\(text)")
                    let think = Verifier().verify(text, for: p).think
                    let parts = think.components(separatedBy: "\n" + Reasoning.retry + "\n")
                    try #require(parts.count == 2, "\(p.id)\n\(text)")
                    let before = StepChecker.claims(in: parts[0]), after = StepChecker.claims(in: parts[1])
                    #expect(before.filter { !$0.isTrue }.count == 1, "\(p.id) step \(step)\n\(text)")
                    #expect(after.allSatisfy { $0.isTrue }, "\(p.id) step \(step)\n\(text)")
                    let lastBefore = try #require(parts[0].split(separator: "\n").last)
                    #expect(lastBefore.hasPrefix(Reasoning.check + " ") && lastBefore.hasSuffix(" " + Reasoning.fail), "\(lastBefore)")
                    #expect(StepChecker.claims(in: String(lastBefore)).allSatisfy { $0.isTrue }, "\(lastBefore)")
                    #expect(parts[1].split(separator: "\n").last!.hasSuffix(" " + Reasoning.pass))
                    #expect(Reasoning.marks(in: text) == .init(hasCheck: true, hasFailedCheck: true, hasRetry: true))
                }
            }
        }
        #expect((written > 0) == (family != .frac && family != .countdown))
    }

    /// The detector on hand-written cases.
    @Test(arguments: [
        ("5+3+0=08\nso 8\ncheck 8-3=5 ok", Reasoning.Marks(hasCheck: true)),
        ("so 9\ncheck 9-3=5 ok", .init(hasCheck: true, hasFailedCheck: true)),       // a false check claim fails
        ("so 9\ncheck 9-3=6 wrong", .init(hasCheck: true, hasFailedCheck: true)),    // no retry after it
        ("so 9\ncheck 9-3=6 wrong\nwait, redo\n5+3+0=08\nso 8\ncheck 8-3=5 ok", .init(hasCheck: true, hasFailedCheck: true, hasRetry: true)),
        ("wait, redo\n5+3+0=08\ncheck 8-3=5 ok", .init(hasCheck: true)),             // a retry that repairs nothing
        ("5+3+0=08\nso 8", .init()),
        ("checking 9-3=5", .init()),                                                  // not a check line
        ("  check nines 2 vs 4 wrong\r\nwait, redo", .init(hasCheck: true, hasFailedCheck: true, hasRetry: true)),
    ])
    func detectorReadsChecksAndRetries(text: String, expected: Reasoning.Marks) {
        #expect(Reasoning.marks(in: text) == expected, "\(text)")
    }
}
