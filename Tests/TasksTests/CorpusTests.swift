// The pretraining corpus: the promised mix, reproducible, held-out free, wrong where it says.
import Testing
@testable import Tasks

struct CorpusTests {
    let heldout = HeldoutSet().problems

    @Test func mixMatchesItsShares() {
        var s = CorpusStream(seed: 1, excluding: heldout)
        let docs = (0..<4000).map { _ in s.next() }
        func share(_ f: (CorpusDocument) -> Bool) -> Double { Double(docs.filter(f).count) / Double(docs.count) }
        #expect(abs(share { $0.style == .answer } - 0.5) < 0.03)
        #expect(abs(share { $0.style == .brief } - 0.2) < 0.03)
        #expect(abs(share { $0.style == .full } - 0.3) < 0.03)
        #expect(abs(share(\.isWrong) - 0.05) < 0.015)
        for f in Family.allCases { #expect(share { $0.problem.family == f } > 0.1, "\(f)") }
        let keys = Set(heldout.map(\.canonicalKey))
        #expect(docs.allSatisfy { !keys.contains($0.problem.canonicalKey) })
    }

    @Test func documentsAreRightExactlyWhenNotMarkedWrong() {
        var s = CorpusStream(seed: 2, excluding: heldout)
        let scorer = Scorer()
        for _ in 0..<3000 {
            let d = s.next()
            let scored = scorer.score(d.response, for: d.problem)
            #expect(scored.formatOK)
            #expect(d.text.hasPrefix("User: \(d.problem.question)\nAssistant: <think>"))
            if d.isWrong {
                #expect(!scored.verdict.isCorrect, "\(d.problem.id): \(d.response)")
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
