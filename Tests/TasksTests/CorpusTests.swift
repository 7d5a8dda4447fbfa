// The pretraining corpus: the promised mix, reproducible, held-out free, wrong where it says.
import Testing
@testable import Tasks
import Exact

struct CorpusTests {
    let heldout = HeldoutSet().problems

    @Test func mixMatchesItsShares() {
        var s = CorpusStream(seed: 1, excluding: heldout)
        let all = (0..<6000).map { _ in s.next() }
        let mix = CorpusMix()
        #expect(abs(Double(all.filter(\.isDrill).count) / Double(all.count) - mix.drill) < 0.03)
        let docs = all.filter { !$0.isDrill }
        func share(_ f: (CorpusDocument) -> Bool) -> Double { Double(docs.filter(f).count) / Double(docs.count) }
        let total = mix.answer + mix.brief + mix.full
        #expect(abs(share { $0.style == .answer } - mix.answer / total) < 0.03)
        #expect(abs(share { $0.style == .brief } - mix.brief / total) < 0.03)
        #expect(abs(share { $0.style == .full } - mix.full / total) < 0.03)
        #expect(abs(share(\.isWrong) - mix.wrong) < 0.015)
        // Families by the curriculum's weights (countdown 3, the others 1). A drawn problem that is
        // held out is drawn again, family and all, so a family whose small difficulties are mostly
        // held out is read a little less (div: 60 of its 80 one-digit divisions are held out).
        let weights = mix.curriculum.entries.reduce(0) { $0 + $1.weight }
        for e in mix.curriculum.entries {
            let s = share { $0.problem?.family == e.family }, expected = e.weight / weights
            #expect(s > 0.6 * expected && s < 1.25 * expected, "\(e.family): \(s) against \(expected)")
        }
        let full = docs.filter { $0.style == .full }
        let repairs = Double(full.filter(\.isRepair).count) / Double(full.count)
        // Countdown and frac write no repairs; the five families that do are 5 of the weights' 9.
        let repairing = mix.curriculum.entries.filter { $0.family != .countdown && $0.family != .frac }.reduce(0) { $0 + $1.weight }
        #expect(abs(repairs - mix.repair * repairing / weights) < 0.01, "\(repairs)")
        let keys = Set(heldout.map(\.canonicalKey))
        #expect(docs.allSatisfy { !keys.contains($0.problem!.canonicalKey) })
    }

    /// Every drill line is a true claim of the kind full solutions contain, every family of the
    /// curriculum is drilled, and every one-digit fact of `add` turns up.
    @Test(arguments: [false, true])
    func drillSheetsHoldTrueFactsOfTheCurriculum(countdownSearch: Bool) throws {
        var mix = CorpusMix()
        mix.countdownSearch = countdownSearch
        var s = CorpusStream(seed: 5, mix: mix, excluding: heldout)
        var lines: [String] = []
        while lines.count < 20_000 {
            let d = s.next()
            guard d.isDrill else { continue }
            #expect(d.prompt.isEmpty && d.style == nil)
            lines += d.response.split(separator: "\n").map(String.init)
        }
        let claims = lines.map { StepChecker.claims(in: $0) }
        #expect(claims.allSatisfy { $0.count == 1 && $0[0].isTrue })
        #expect(lines.contains { $0.contains("*") } && lines.contains { $0.contains("-") })
        // Column lines have three operands (`7+5+1=13`, `14-9-0=5`); countdown's whole
        // operations have two (`143-75=68`).
        func operands(_ line: String, _ op: Character) -> Int { line.split(separator: "=")[0].split(separator: op).count }
        let addFacts = Set(lines.filter { operands($0, "+") == 3 && !$0.contains("*") }.map { $0.split(separator: "=")[0] })
        #expect(addFacts.count == 200)
        // Countdown's whole operations are drilled exactly when its full solutions search.
        #expect(lines.contains { operands($0, "-") == 2 } == countdownSearch)
        #expect(lines.contains { $0.contains("/") } == countdownSearch)
        // A column subtraction line borrows exactly when the plain digits would go negative.
        for line in lines where operands(line, "-") == 3 {
            let top = try #require(Int(line.split(separator: "-")[0]))
            #expect(top <= 19 && (top < 10 || Int(line.split(separator: "=")[1])! < 10), "\(line)")
        }
    }

    /// With countdown's search too (its steps whole or in columns, its bookkeeping written out
    /// or not, its numbers in a drawn order), whose full solutions end in an expression of their own, not the recorded one: the
    /// wrong answer replaces the one the response gives.
    @Test(arguments: [CountdownStyle(), CountdownStyle(search: true), CountdownStyle(search: true, columns: true),
                      CountdownStyle(search: true, columns: true, ledger: true),
                      CountdownStyle(search: true, columns: true, ledger: true, shuffle: true)])
    func documentsAreRightExactlyWhenNotMarkedWrong(countdown: CountdownStyle) {
        var mix = CorpusMix()
        mix.countdownSearch = countdown.search
        mix.countdownColumns = countdown.columns
        mix.countdownLedger = countdown.ledger
        mix.countdownShuffle = countdown.shuffle
        var s = CorpusStream(seed: 2, mix: mix, excluding: heldout)
        let scorer = Scorer()
        for _ in 0..<3000 {
            let d = s.next()
            guard let problem = d.problem else { continue }
            let scored = scorer.score(d.response, for: problem)
            #expect(scored.formatOK)
            #expect(d.text.hasPrefix("User: \(problem.question)\nAssistant: <think>"))
            if d.isWrong {
                #expect(!scored.verdict.isCorrect, "\(problem.id): \(d.response)")
            } else if d.isRepair {
                // The slip is the one false claim; the repair after it is right.
                #expect(scored.verdict.isCorrect)
                #expect(scored.steps.checked == scored.steps.correct + 1, "\(problem.id): \(d.response)")
                #expect(Reasoning.marks(in: d.response).hasRetry)
            } else {
                #expect(scored.verdict.isCorrect)
                #expect(scored.steps.checked == scored.steps.correct)
            }
        }
    }

    /// With `honestWrong`, a wrong full solution of a family with repairs fails its check
    /// honestly and answers anyway: one false claim (the slip), a failed check and no retry.
    /// Where no slip makes the answer wrong (a division with one exact step: a slipped remainder
    /// gives `36/9`, still right), the document is corrupted as without the option but sparing
    /// its check lines. So no check line of any document claims something false, where the same
    /// documents without the option have such checks. Right documents are unchanged.
    @Test func honestWrongDocumentsFailTheirCheckAndAnswerAnyway() throws {
        var mix = CorpusMix()
        mix.honestWrong = true
        var honest = CorpusStream(seed: 8, mix: mix, excluding: heldout)
        var plain = CorpusStream(seed: 8, excluding: heldout)
        let scorer = Scorer()
        var slips = 0, fallbacks = 0, dishonest = (honest: 0, plain: 0)
        func falseChecks(_ response: String) -> Int {
            response.split(separator: "\n").filter {
                $0.hasPrefix(Reasoning.check + " ") && StepChecker.claims(in: String($0)).contains { !$0.isTrue }
            }.count
        }
        for _ in 0..<8000 {
            let d = honest.next(), e = plain.next()
            #expect(d.isWrong == e.isWrong && d.isRepair == e.isRepair && d.style == e.style)
            guard let problem = d.problem else { continue }
            let scored = scorer.score(d.response, for: problem)
            #expect(!d.isWrong == scored.verdict.isCorrect)
            dishonest.honest += falseChecks(scored.think)
            dishonest.plain += falseChecks(scorer.score(e.response, for: problem).think)
            if !d.isWrong { #expect(d.text == e.text) }
            guard d.isWrong, d.style == .full, problem.family.generator.repairs else { continue }
            if scored.marks == .init(hasCheck: true, hasFailedCheck: true), falseChecks(scored.think) == 0,
               scored.steps.checked == scored.steps.correct + 1 {
                slips += 1
                #expect(mix.openers.contains { d.response.hasPrefix(Template.thinkOpen + $0 + "\n") }, "\(d.response)")
            } else {
                fallbacks += 1
            }
        }
        #expect(slips > 30 && fallbacks < slips, "\(slips) honest slips, \(fallbacks) corrupted instead")
        #expect(dishonest.honest == 0 && dishonest.plain > 0, "\(dishonest)")
    }

    /// With `comparedChecks`, the corpus is the same documents but for their check lines: where
    /// a check's claim comes to a number, the line writes `vs` and the number it must equal
    /// after the claim, and says `ok` exactly when the two are equal. Right documents' checks
    /// all pass; honest slips fail theirs, and the detector sees it.
    @Test func comparedChecksChangeOnlyTheCheckLines() throws {
        var mix = CorpusMix()
        mix.honestWrong = true
        var compared = mix
        compared.comparedChecks = true
        var c = CorpusStream(seed: 9, mix: compared, excluding: heldout)
        var plain = CorpusStream(seed: 9, mix: mix, excluding: heldout)
        var versus = 0, failing = 0
        for _ in 0..<6000 {
            let d = c.next(), e = plain.next()
            #expect(d.isWrong == e.isWrong && d.isRepair == e.isRepair && d.style == e.style)
            func thinkLines(_ response: String) -> [String] {
                response.components(separatedBy: "</think>")[0].components(separatedBy: "\n")
            }
            let lines = thinkLines(d.response), before = thinkLines(e.response)
            try #require(lines.count == before.count, "\(d.response)")
            for (line, old) in zip(lines, before) where line != old {
                let words = line.split(separator: " "), was = old.split(separator: " ")
                try #require(words.count == 5 && words[0] == "check" && words[2] == "vs", "\(line)")
                #expect(was == [words[0], words[1], words[4]], "\(old) → \(line)")
                let result = Rational(String(words[1].split(separator: "=").last!)), expected = Rational(String(words[3]))
                #expect((result == expected) == (words[4] == "ok"), "\(line)")
                versus += 1
                if result != expected {
                    failing += 1
                    #expect(Reasoning.marks(in: d.response).hasFailedCheck, "\(d.response)")
                }
            }
            if let p = d.problem, !d.isWrong, !d.isRepair {
                #expect(!Reasoning.marks(in: Scorer().score(d.response, for: p).think).hasFailedCheck, "\(d.response)")
            }
        }
        #expect(versus > 500 && failing > 20, "\(versus) compared checks, \(failing) failing")
    }

    /// Worked solutions open with one of the mix's opening lines, each about equally often, so no
    /// single way of starting to reason outweighs a bare answer; bare answers have none.
    @Test func workedSolutionsOpenWithOneOfSeveralLines() throws {
        let mix = CorpusMix()
        var s = CorpusStream(seed: 6, excluding: heldout)
        var counts: [String: Int] = [:]
        var answers = 0
        for _ in 0..<4000 {
            let d = s.next()
            guard let style = d.style else { continue }
            let firstLine = d.response.dropFirst(Template.thinkOpen.count).prefix { $0 != "\n" }
            if style == .answer {
                #expect(d.response.hasPrefix(Template.thinkOpen + "</think>"))
                answers += 1
            } else {
                #expect(mix.openers.contains(String(firstLine)), "\(d.response)")
                counts[String(firstLine), default: 0] += 1
            }
        }
        #expect(counts.count == mix.openers.count)
        let most = try #require(counts.values.max())
        #expect(Double(most) / Double(answers) < 0.5, "one opener must stay well below bare answers")
    }

    /// The default corpus is the one the shipped base read: `lab pretrain` remakes
    /// `checkpoints/base` only if its documents are unchanged. The hash of the first 3,000
    /// documents' texts (joined by NUL), recorded with `lab problems corpus` at 0380baf, whose
    /// corpus is the base's; a change to the corpus code that moves any draw changes it.
    @Test func theDefaultCorpusIsTheShippedBasesCorpus() {
        var s = CorpusStream(seed: 1, excluding: heldout)
        let text = (0..<3000).map { _ in s.next().text }.joined(separator: "\u{0}")
        #expect(SHA256.hex(Array(text.utf8)) == "11848f14d286c0bdef85cd8e82aeb4c3d59edc797a3fc804afe7bba361443f21")
    }

    @Test func sameSeedSameCorpus() {
        var a = CorpusStream(seed: 3, excluding: heldout), b = CorpusStream(seed: 3, excluding: heldout)
        var c = CorpusStream(seed: 4, excluding: heldout)
        let x = (0..<200).map { _ in a.next().text }
        #expect(x == (0..<200).map { _ in b.next().text })
        #expect(x != (0..<200).map { _ in c.next().text })
    }
}
