// Hostile responses: none may crash the verifier, take more than 10 ms, or earn an accuracy
// reward that an independent check does not confirm.
import Seeds
import Foundation
import Testing
import Exact
@testable import Tasks

struct FuzzTests {
    /// The slowest of `responses` to score, as the best of three timings each (the machine is
    /// shared, so one slow timing says little; three slow ones say the work is slow).
    func slowestScore(_ responses: [String], _ problem: Problem) -> Duration {
        let scorer = Scorer(weights: RewardWeights(steps: 1))
        let clock = ContinuousClock()
        var worst = Duration.zero
        for r in responses {
            let best = (0..<3).map { _ in clock.measure { _ = scorer.score(r, for: problem) } }.min()!
            worst = max(worst, best)
        }
        return worst
    }

    /// Independently of the verifier: the response really has one answer block whose trimmed
    /// content is a literal equal to the expected answer.
    func reallyCorrect(_ response: String, _ p: Problem) -> Bool {
        let opens = response.components(separatedBy: "<answer>").count - 1
        let closes = response.components(separatedBy: "</answer>").count - 1
        guard opens == 1, closes == 1,
              let inner = response.components(separatedBy: "<answer>").last?.components(separatedBy: "</answer>").first
        else { return false }
        var t = inner.trimmingCharacters(in: .whitespacesAndNewlines)
        if p.family == .linear, t.hasPrefix("x=") { t.removeFirst(2) }
        return Rational(t) == Rational(p.answer)
    }

    static let hostile: [(String, String)] = {
        let huge = String(repeating: "9", count: 100_000)
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        return [
            ("100,000-digit answer", "<think></think><answer>\(huge)</answer>"),
            ("100,000-digit think", "<think>\(huge)*\(huge)=\(huge)</think><answer>1</answer>"),
            ("deep parentheses", "<think>\(deep)=1</think><answer>\(deep)</answer>"),
            ("deep parentheses, short answer", "<answer>" + String(repeating: "(", count: 200) + "9716" + String(repeating: ")", count: 200) + "</answer>"),
            ("repeated tags", String(repeating: "<answer>9716</answer>", count: 20_000)),
            ("repeated open tags", String(repeating: "<answer>", count: 50_000) + "9716</answer>"),
            ("nested tags", String(repeating: "<think><answer>", count: 5_000) + "9716" + String(repeating: "</answer></think>", count: 5_000)),
            ("many claims", "<think>" + String(repeating: "12345*6789=83810205 ", count: 20_000) + "</think><answer>9716</answer>"),
            ("long chain", "<think>" + String(repeating: "1+1=", count: 30_000) + "2</think><answer>9716</answer>"),
            ("tag prefixes", String(repeating: "<answe<answer<answer>", count: 10_000)),
            ("unicode", "<think>٣+٤=٧ 𝟗𝟕𝟏𝟔</think><answer>𝟗𝟕𝟏𝟔</answer>"),
            ("nul bytes", "<answer>9716\u{0}</answer>"),
            ("1 MB of spaces", "<think>" + String(repeating: " ", count: 1_000_000) + "</think><answer>9716</answer>"),
        ]
    }()

    @Test func hostileResponsesAreBoundedAndNeverWronglyRewarded() {
        for (name, response) in Self.hostile {
            let s = Scorer().score(response, for: mulProblem)
            if s.verdict.isCorrect {
                #expect(reallyCorrect(response, mulProblem), "\(name) earned accuracy")
            }
            #expect((s.reward["accuracy"] ?? 0) == (s.verdict.isCorrect ? 1 : 0))
            // The slowest (1 MB of spaces) stays under 10 ms on an idle machine here and took
            // 10.5 ms beside a training run on both cores; 25 ms leaves room for a slower or busy
            // machine, and a super-linear blow-up on these inputs would take seconds.
            let t = slowestScore([response], mulProblem)
            #expect(t < .milliseconds(25), "\(name) took \(t)")
        }
    }

    @Test func randomBytesNeverCrashOrScore() {
        var rng = SeededRandom(seed: 2026)
        let alphabet = Array("0123456789+-*/()=.x <>/thinkanswer\n\t".utf8)
        var responses: [String] = []
        for i in 0..<3000 {
            let n = rng.int(in: 0...400)
            let bytes: [UInt8] = (0..<n).map { _ in
                i % 2 == 0 ? UInt8(rng.int(in: 0...255)) : alphabet[rng.int(in: 0...(alphabet.count - 1))]
            }
            responses.append(String(decoding: bytes, as: UTF8.self))
        }
        for r in responses {
            let s = Scorer().score(r, for: mulProblem)
            if s.verdict.isCorrect { #expect(reallyCorrect(r, mulProblem), "\(r.debugDescription)") }
        }
        #expect(slowestScore(Array(responses.prefix(300)), mulProblem) < .milliseconds(10))
    }

    /// Mutations of correct worked solutions: deletions, duplications and insertions of tag
    /// fragments and digits. Whatever the verifier calls correct must really be correct.
    @Test(arguments: Family.allCases)
    func mutatedSolutionsAreGradedHonestly(family: Family) throws {
        var rng = SeededRandom(seed: 77)
        let pieces = ["<answer>", "</answer>", "<think>", "</think>", "0", "1", "-", "/", "x=", " ", "(", ")", "9716"]
        for p in family.problems(difficulty: family.standardDifficulties.upperBound, count: 30, seed: 5) {
            let base = Array(try p.solution(style: rng.element(of: SolutionStyle.allCases)))
            for _ in 0..<30 {
                var chars = base
                for _ in 0..<rng.int(in: 1...3) {
                    let at = rng.int(in: 0...chars.count)
                    switch rng.int(in: 0...2) {
                    case 0 where at < chars.count: chars.remove(at: at)
                    case 1: chars.insert(contentsOf: Array(rng.element(of: pieces)), at: at)
                    default: chars.insert(contentsOf: chars[at...].prefix(8), at: at)
                    }
                }
                let r = String(chars)
                let s = Scorer().score(r, for: p)
                if s.verdict.isCorrect, family != .countdown {
                    #expect(reallyCorrect(r, p), "\(p.id): \(r.debugDescription)")
                }
            }
        }
    }
}
