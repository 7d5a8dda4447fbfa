// Checks, slips and repairs: full solutions check themselves and pass, a repair trace is exactly
// one false claim exposed by its check and then a true redo, and the detector reads both.
import Testing
@testable import Tasks

struct ReasoningTests {
    /// A full solution's check passes, and the detector sees a check and nothing failed. In the
    /// compared form the check line of every family with repairs but multiplication (whose
    /// check compares already) ends `CLAIM vs N ok`, N the claim's result.
    @Test(arguments: Family.allCases, CheckForm.allCases)
    func fullSolutionsCheckThemselvesAndPass(family: Family, checks: CheckForm) throws {
        let compares = checks == .compared && [.add, .sub, .div, .linear].contains(family)
        for d in family.standardDifficulties {
            for p in family.problems(difficulty: d, count: 40, seed: 23) {
                let text = try p.solution(style: .full, checks: checks)
                let marks = Reasoning.marks(in: text)
                #expect(marks.hasCheck == (family != .frac), "\(p.id)\n\(text)")
                #expect(!marks.hasFailedCheck && !marks.hasRetry, "\(p.id)\n\(text)")
                let words = Verifier().verify(text, for: p).think.split(separator: "\n").last!.split(separator: " ")
                #expect(words.contains(Substring(Reasoning.versus)) == (compares || family == .mul), "\(p.id)\n\(text)")
                if compares {
                    #expect(words.count == 5 && words[1].split(separator: "=").last == words[3], "\(p.id)\n\(text)")
                } else if checks == .compared {
                    #expect(try text == p.solution(style: .full), "\(family.rawValue) writes its check as before")
                }
            }
        }
    }

    /// Every slip position of every repairing family: one false claim (the slip), before the
    /// retry; the check before the retry is true as arithmetic and says `wrong`; everything after
    /// the retry is true, its check says `ok`, and the answer is right.
    @Test(arguments: Family.allCases, CheckForm.allCases)
    func repairTracesAreOneSlipExposedThenATrueRedo(family: Family, checks: CheckForm) throws {
        let scorer = Scorer()
        var written = 0
        for d in family.standardDifficulties {
            for p in family.problems(difficulty: d, count: 12, seed: 29) {
                for step in 0..<40 {
                    guard let text = try p.repairSolution(step: step, up: step % 2 == 0, checks: checks) else {
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

    /// A slip answered anyway is a repair trace's work before its retry: one false claim (the
    /// slip), a last check true as arithmetic that says `wrong`, no retry, and the answer that
    /// work came to, which the verifier marks wrong.
    @Test(arguments: Family.allCases, CheckForm.allCases)
    func slipsAnsweredAnywayAreExposedByAnHonestCheck(family: Family, checks: CheckForm) throws {
        let scorer = Scorer()
        var written = 0
        for d in family.standardDifficulties {
            for p in family.problems(difficulty: d, count: 12, seed: 31) {
                for step in 0..<40 {
                    guard let text = try p.slipSolution(step: step, up: step % 2 == 1, checks: checks) else { continue }
                    written += 1
                    let s = scorer.score(text, for: p)
                    #expect(!s.verdict.isCorrect && s.formatOK, "\(p.id)\n\(text)")
                    #expect(s.steps.checked == s.steps.correct + 1, "\(p.id) step \(step)\n\(text)")
                    let lines = s.think.split(separator: "\n")
                    let last = try #require(lines.last)
                    #expect(last.hasPrefix(Reasoning.check + " ") && last.hasSuffix(" " + Reasoning.fail), "\(last)")
                    #expect(StepChecker.claims(in: String(last)).allSatisfy { $0.isTrue }, "\(last)")
                    #expect(s.marks == .init(hasCheck: true, hasFailedCheck: true))
                    // The answer is the work's own: its `x=` line, or its last `so` line.
                    let said = lines.last { $0.hasPrefix("x=") }.map { $0.dropFirst(2) } ?? lines.last { $0.hasPrefix("so ") }?.dropFirst(3)
                    #expect(s.answer.map { Substring($0) } == said, "\(p.id)\n\(text)")
                    // And it is the first half of a repair trace (the slip at `step` or after it), word for word.
                    #expect(try (0..<40).contains {
                        try p.repairSolution(step: step + $0, up: step % 2 == 1, checks: checks)?.hasPrefix(Template.thinkOpen + s.think + "\n" + Reasoning.retry + "\n") == true
                    }, "\(p.id) step \(step)")
                }
            }
        }
        #expect((written > 0) == (family != .frac && family != .countdown))
    }

    /// Where the first failed check ends, in Unicode scalars, on hand-written cases: the line
    /// that says `wrong` or claims something false, not a passing one before it nor a later one.
    @Test(arguments: [
        ("5+3+0=08\nso 8\ncheck 8-3=5 ok", nil),
        ("so 9\ncheck 9-3=6 wrong\nwait, redo\ncheck 8-3=5 wrong", 22),
        ("check 8-3=5 ok\ncheck 9-3=5 ok\nwait, redo", 29),
        ("é≠\ncheck 9-3=6 wrong\nwait, redo", 20),
    ] as [(String, Int?)])
    func firstFailedCheckEndsWhereItsLineDoes(text: String, expected: Int?) {
        #expect(Reasoning.firstFailedCheckEnd(in: text) == expected, "\(text)")
        if let end = expected {
            let prefix = String(String.UnicodeScalarView(text.unicodeScalars.prefix(end)))
            #expect(prefix.hasSuffix(" wrong") || prefix.hasSuffix(" ok"), "\(prefix)")
        }
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
        // Compared checks: a true claim whose result is not the number after `vs` fails, whatever it says.
        ("so 8\ncheck 8-3=5 vs 5 ok", .init(hasCheck: true)),
        ("so 8\ncheck 8-3=5 vs 05 ok", .init(hasCheck: true)),                        // numbers, not strings
        ("so 9\ncheck 9-3=6 vs 5 ok", .init(hasCheck: true, hasFailedCheck: true)),
        ("so 9\ncheck 9-3=6 vs 5 wrong\nwait, redo", .init(hasCheck: true, hasFailedCheck: true, hasRetry: true)),
        ("so 9\ncheck 9-3=5 vs 5 ok", .init(hasCheck: true, hasFailedCheck: true)),   // the copied number: a false claim
        ("check nines 2 vs 4 ok", .init(hasCheck: true)),                              // no claim before vs: read by its verdict
        ("check 9-3=6 vs ok", .init(hasCheck: true)),                                  // nothing to compare
    ])
    func detectorReadsChecksAndRetries(text: String, expected: Reasoning.Marks) {
        #expect(Reasoning.marks(in: text) == expected, "\(text)")
    }
}
