// The pretraining corpus: the promised mix, reproducible, held-out free, wrong where it says.
import Testing
@testable import Tasks

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
        for f in Family.standard { #expect(share { $0.problem?.family == f } > 0.25, "\(f)") }
        let keys = Set(heldout.map(\.canonicalKey))
        #expect(docs.allSatisfy { !keys.contains($0.problem!.canonicalKey) })
    }

    /// Every drill line is a true claim of the kind full solutions contain, every family of the
    /// curriculum is drilled, and every one-digit fact of `add` turns up.
    @Test func drillSheetsHoldTrueFactsOfTheCurriculum() throws {
        var s = CorpusStream(seed: 5, excluding: heldout)
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
        let addFacts = Set(lines.filter { $0.contains("+") && !$0.contains("*") }.map { $0.split(separator: "=")[0] })
        #expect(addFacts.count == 200)
        // A column subtraction line borrows exactly when the plain digits would go negative.
        for line in lines where line.contains("-") {
            let top = try #require(Int(line.split(separator: "-")[0]))
            #expect(top <= 19 && (top < 10 || Int(line.split(separator: "=")[1])! < 10), "\(line)")
        }
    }

    @Test func documentsAreRightExactlyWhenNotMarkedWrong() {
        var s = CorpusStream(seed: 2, excluding: heldout)
        let scorer = Scorer()
        for _ in 0..<3000 {
            let d = s.next()
            guard let problem = d.problem else { continue }
            let scored = scorer.score(d.response, for: problem)
            #expect(scored.formatOK)
            #expect(d.text.hasPrefix("User: \(problem.question)\nAssistant: <think>"))
            if d.isWrong {
                #expect(!scored.verdict.isCorrect, "\(problem.id): \(d.response)")
            } else {
                #expect(scored.verdict.isCorrect)
                #expect(scored.steps.checked == scored.steps.correct)
            }
        }
    }

    @Test func sameSeedSameCorpus() {
        var a = CorpusStream(seed: 3, excluding: heldout), b = CorpusStream(seed: 3, excluding: heldout)
        var c = CorpusStream(seed: 4, excluding: heldout)
        let x = (0..<200).map { _ in a.next().text }
        #expect(x == (0..<200).map { _ in b.next().text })
        #expect(x != (0..<200).map { _ in c.next().text })
    }
}
