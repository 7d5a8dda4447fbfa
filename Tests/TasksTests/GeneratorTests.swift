// Problem families: seeded, inside their knobs, with recorded answers and worked solutions
// that verify, every claim of which the step checker finds true.
import Testing
import Exact
@testable import Tasks

/// A few difficulties across each family's whole range, its extremes included.
func sampleDifficulties(_ f: Family) -> [Int] {
    let r = f.difficulties
    return Array(Set([r.lowerBound, r.upperBound, (r.lowerBound + r.upperBound) / 2] + Array(f.standardDifficulties))).sorted()
}

struct GeneratorTests {
    /// The countdown problem whose search the golden traces below write in each style.
    let make143 = Problem(id: "c", family: .countdown, difficulty: 4, question: "make 143 from 7,3,75,25",
                          answer: "(75-25)*3-7", numbers: [7, 3, 75, 25], target: 143)

    @Test(arguments: Family.allCases)
    func sameSeedSameProblems(family: Family) {
        let d = family.standardDifficulties.upperBound
        #expect(family.problems(difficulty: d, count: 50, seed: 7) == family.problems(difficulty: d, count: 50, seed: 7))
        #expect(family.problems(difficulty: d, count: 50, seed: 7) != family.problems(difficulty: d, count: 50, seed: 8))
    }

    @Test(arguments: Family.allCases)
    func recordedAnswersVerifyAsCorrect(family: Family) throws {
        let scorer = Scorer()
        for d in sampleDifficulties(family) {
            for p in family.problems(difficulty: d, count: 40, seed: 11) {
                let s = scorer.score("<think></think><answer>\(p.answer)</answer>", for: p)
                #expect(s.verdict == .correct, "\(p.id) \(p.question) -> \(p.answer): \(s.verdict)")
                #expect(s.reward.total == 1.1)
                #expect(p.difficulty == d && p.id.hasPrefix(family.rawValue + "-"))
            }
        }
    }

    /// The answer is the exact value of the question for the families whose question is an
    /// expression, computed here through the parser, independently of the generator.
    @Test(arguments: [Family.add, .sub, .mul, .div, .frac])
    func answersAreTheValueOfTheQuestion(family: Family) throws {
        for d in sampleDifficulties(family) {
            for p in family.problems(difficulty: d, count: 40, seed: 3) {
                #expect(try ExpressionParser().evaluate(p.question).description == p.answer, "\(p.question)")
            }
        }
    }

    @Test func linearAnswersSolveTheEquation() throws {
        for d in LinearFamily.difficulties {
            for p in Family.linear.problems(difficulty: d, count: 100, seed: 5) {
                let (a, b, c) = try LinearFamily.coefficients(p)
                let x = try #require(Rational(p.answer))
                #expect(Rational(a) * x + Rational(b) == Rational(c), "\(p.question) x=\(p.answer)")
            }
        }
    }

    @Test func operandWidthsFollowTheDifficulty() {
        for p in Family.add.problems(difficulty: 30, count: 20, seed: 1) {
            #expect(p.question.split(separator: "+").map(\.count) == [30, 30])
        }
        // mul climbs a ladder of shapes: 1×1, 2×1, 2×2, 3×1, … 20×20.
        for (d, shape) in [(1, [1, 1]), (2, [2, 1]), (3, [2, 2]), (4, [3, 1]), (5, [3, 2]), (6, [3, 3]), (210, [20, 20])] {
            for p in Family.mul.problems(difficulty: d, count: 20, seed: 1) {
                #expect(p.question.split(separator: "*").map(\.count) == shape, "\(d): \(p.question)")
                #expect(p.id.hasPrefix("mul-\(shape[0])x\(shape[1])-"))
            }
        }
        // Shorter second operands are there, zero-padded; the id keeps their true width.
        let short = Family.add.problems(difficulty: 4, count: 40, seed: 1).filter { $0.question.split(separator: "+")[1].hasPrefix("0") }
        #expect(!short.isEmpty && short.allSatisfy { !$0.id.hasPrefix("add-4x4-") })
        for n in 3...5 {
            for p in Family.countdown.problems(difficulty: n, count: 30, seed: 1) {
                #expect(p.numbers?.count == n)
                #expect((10...999).contains(p.target ?? 0))
            }
        }
    }

    @Test(arguments: Family.allCases)
    func workedSolutionsVerifyAndEveryStepIsTrue(family: Family) throws {
        let scorer = Scorer()
        for d in sampleDifficulties(family) {
            for p in family.problems(difficulty: d, count: 25, seed: 19) {
                // Countdown's full style also as the search: its steps whole or in columns, its
                // bookkeeping written out or not, its numbers largest first or in a drawn order.
                let searches = family != .countdown ? [] : (0..<8).map {
                    (SolutionStyle.full, CountdownStyle(search: true, columns: $0 & 1 != 0, ledger: $0 & 2 != 0, shuffle: $0 & 4 != 0))
                }
                for (style, countdown) in SolutionStyle.allCases.map({ ($0, CountdownStyle()) }) + searches {
                    let text = try p.solution(style: style, countdown: countdown)
                    let s = scorer.score(text, for: p)
                    #expect(s.verdict == .correct && s.formatOK, "\(p.id) \(style): \(s.verdict)\n\(text)")
                    let think = Verifier().verify(text, for: p).think
                    let claims = StepChecker.claims(in: think)
                    for c in claims where !c.isTrue {
                        Issue.record("\(p.id) \(style): false claim \(c.text)\n\(text)")
                    }
                    if style != .answer {
                        #expect(!claims.isEmpty, "\(p.id) \(style) makes no checkable claim\n\(text)")
                    }
                }
            }
        }
    }

    /// Countdown's full solution is a backward search from the target: each step names what the
    /// rest must make, a pair makes it or not, and the expression is built back up and checked.
    @Test func countdownSearchesBackwardFromTheTarget() throws {
        let p = make143
        #expect(try p.solution(style: .full, countdown: CountdownStyle(search: true)) == """
            <think>143 from 75,25,7,3
            143-75=68 from 25,7,3
            68-7=61 from 25,3
            25+3=28 25-3=22 25*3=75 no
            68+7=75 from 25,3
            25+3=28 25-3=22 25*3=75 yes
            so (25*3)-7=68
            check 75+((25*3)-7)=143 ok</think><answer>75+((25*3)-7)</answer>
            """)
        // Without the option, the previous base's style: tries, then the recorded solution.
        let tries = try p.solution(style: .full, countdown: CountdownStyle())
        #expect(tries.contains("\ntry ") || tries.hasPrefix("<think>try "))
        #expect(tries.hasSuffix("<answer>(75-25)*3-7</answer>"))
        // By default, the shipped base's: the search in columns with its ledger.
        #expect(try p.solution(style: .full) == p.solution(style: .full, countdown: CountdownStyle(search: true, columns: true, ledger: true)))
        // A pool none of whose targets is in reach says so: 450 from 7,5,5 has none.
        let q = Problem(id: "d", family: .countdown, difficulty: 4, question: "make 525 from 75,5,7,5",
                        answer: "7*(75-5+5)", numbers: [75, 5, 7, 5], target: 525)
        #expect(try q.solution(style: .full, countdown: CountdownStyle(search: true)) == """
            <think>525 from 75,7,5,5
            525-75=450 from 7,5,5
            7,5,5 no
            525/75=7 from 7,5,5
            7/7=1 from 5,5
            5+5=10 5*5=25 5/5=1 yes
            so 7*(5/5)=7
            check 75*(7*(5/5))=525 ok</think><answer>75*(7*(5/5))</answer>
            """)
        // Nearly every standard problem is searched within the budget; the rest fall back to tries.
        for (n, least) in [(3, 0.98), (4, 0.8)] {
            let problems = Family.countdown.problems(difficulty: n, count: 300, seed: 3)
            let searched = try problems.filter { try !$0.solution(style: .full, countdown: CountdownStyle(search: true)).contains("try ") }
            #expect(Double(searched.count) / 300 >= least, "\(n) numbers: \(searched.count) of 300 searched")
        }
    }

    /// With `countdownColumns` each step on a value is worked out digit by digit just before the
    /// line that states it, in the other families' procedures; steps on two one-digit numbers
    /// (the pair lines) stay whole.
    @Test func countdownColumnsWorkOutEachStepOnAValue() throws {
        let p = make143
        #expect(try p.solution(style: .full, countdown: CountdownStyle(search: true, columns: true)) == """
            <think>143 from 75,25,7,3
            143-075
            13-5-0=8
            14-7-1=6
            01-0-1=0
            143-75=68 from 25,7,3
            68-07
            08-7-0=1
            06-0-0=6
            68-7=61 from 25,3
            25+3=28 25-3=22 25*3=75 no
            68+07
            8+7+0=15
            6+0+1=07
            68+7=75 from 25,3
            25+3=28 25-3=22 25*3=75 yes
            so (25*3)-7=68
            check 75+((25*3)-7)=143 ok</think><answer>75+((25*3)-7)</answer>
            """)
        // Products and quotients by one digit are the mul and div families' lines.
        #expect(CountdownFamily.columns(68, "*", 7) == ["68*7", "7*8+0=56", "7*6+5=47"])
        #expect(CountdownFamily.columns(144, "/", 4) == ["144/4", "14=3*4+2", "24=6*4+0"])
        #expect(CountdownFamily.columns(300, "/", 25).isEmpty && CountdownFamily.columns(7, "+", 3).isEmpty)
        // Every standard problem's search is within the response budget RL samples (520
        // characters with the answer), and most are searched rather than guessed, with the
        // bookkeeping written out or not.
        for ledger in [false, true] {
            // The ledger writes more, so fewer 4-number searches fit.
            for (n, least) in [(3, 0.95), (4, ledger ? 0.65 : 0.7)] {
                let problems = Family.countdown.problems(difficulty: n, count: 300, seed: 3)
                var searched = 0
                for q in problems {
                    let text = try q.solution(style: .full, countdown: CountdownStyle(search: true, columns: true, ledger: ledger))
                    #expect(text.utf8.count <= 520, "\(q.id): \(text.utf8.count) characters")
                    if !text.contains("try ") { searched += 1 }
                }
                #expect(Double(searched) / 300 >= least, "\(n) numbers, ledger \(ledger): \(searched) of 300 searched")
            }
        }
    }

    /// With `countdownLedger` the search's bookkeeping is written out: each pool is the
    /// question's numbers in the question's order less those used (not sorted), a pair line
    /// gives its verdict after every value it works out, and a division that does not come out
    /// is written where it would be tried. The search itself is the same: the same numbers are
    /// tried in the same order, largest first.
    @Test func countdownLedgerWritesTheBookkeepingOut() throws {
        let p = make143
        #expect(try p.solution(style: .full, countdown: CountdownStyle(search: true, ledger: true)) == """
            <think>143 from 7,3,75,25
            143-75=68 from 7,3,25
            68/25 no
            68-7=61 from 3,25
            25+3=28 no 25-3=22 no 25*3=75 no
            68/7 no
            68+7=75 from 3,25
            25+3=28 no 25-3=22 no 25*3=75 yes
            so (25*3)-7=68
            check 75+((25*3)-7)=143 ok</think><answer>75+((25*3)-7)</answer>
            """)
        // With the columns, a division by one digit that does not come out is worked out first.
        #expect(try p.solution(style: .full, countdown: CountdownStyle(search: true, columns: true, ledger: true)) == """
            <think>143 from 7,3,75,25
            143-075
            13-5-0=8
            14-7-1=6
            01-0-1=0
            143-75=68 from 7,3,25
            68/25 no
            68-07
            08-7-0=1
            06-0-0=6
            68-7=61 from 3,25
            25+3=28 no 25-3=22 no 25*3=75 no
            68/7
            68=9*7+5
            68/7 no
            68+07
            8+7+0=15
            6+0+1=07
            68+7=75 from 3,25
            25+3=28 no 25-3=22 no 25*3=75 yes
            so (25*3)-7=68
            check 75+((25*3)-7)=143 ok</think><answer>75+((25*3)-7)</answer>
            """)
        // Equal numbers are tried once, the first of them; the others stay where they were. A
        // division whose quotient a pair could not make is not tried, come out or not (450/7).
        let q = Problem(id: "d", family: .countdown, difficulty: 4, question: "make 525 from 5,75,5,7",
                        answer: "7*(75-5+5)", numbers: [5, 75, 5, 7], target: 525)
        #expect(try q.solution(style: .full, countdown: CountdownStyle(search: true, ledger: true)) == """
            <think>525 from 5,75,5,7
            525-75=450 from 5,5,7
            5,5,7 no
            525/75=7 from 5,5,7
            7/7=1 from 5,5
            5+5=10 no 5*5=25 no 5/5=1 yes
            so 7*(5/5)=7
            check 75*(7*(5/5))=525 ok</think><answer>75*(7*(5/5))</answer>
            """)
        // The same search as without the ledger: wherever both end within the budget (the
        // ledger writes more), the same answer, and but for the divisions that do not come out
        // (and a pool's `no`, which they can stand in for), the same lines.
        var both = 0
        for n in 3...4 {
            for r in Family.countdown.problems(difficulty: n, count: 200, seed: 5) {
                guard let plain = CountdownFamily.search(r, CountdownStyle(search: true)),
                      let ledger = CountdownFamily.search(r, CountdownStyle(search: true, ledger: true))
                else { continue }
                #expect(plain.answer == ledger.answer, "\(r.id)")
                // A line with its pool sorted and its verdicts `no` dropped.
                func steps(_ lines: [String]) -> [String] {
                    lines.filter { $0.contains("=") || $0.contains(" from ") }.map { line in
                        var words = line.split(separator: " ").map(String.init).filter { $0 != "no" }
                        if let k = words.firstIndex(of: "from"), k + 1 < words.count {
                            words[k + 1] = CountdownFamily.list(words[k + 1].split(separator: ",").compactMap { Int($0) }.sorted())
                        }
                        return words.joined(separator: " ")
                    }
                }
                #expect(steps(plain.lines) == steps(ledger.lines), "\(r.id)")
                both += 1
            }
        }
        #expect(both >= 300)
    }

    /// With `countdownShuffle` the numbers are tried in an order drawn from each problem (the same
    /// every time), so more searches go back: a pair says `no` before one says `yes`, or a pool
    /// has nothing in reach.
    @Test func countdownShuffleTriesTheNumbersInADrawnOrder() throws {
        // A pair line that ends in `no`, or a pool with nothing in reach (`7,5,5 no`); not a
        // division that does not come out (`68/7 no`).
        func wentBack(_ text: String) -> Bool {
            text.split(separator: "\n").contains { line in
                guard line.hasSuffix(" no") else { return false }
                let head = line.dropLast(3)
                return line.contains("=") || (head.contains(",") && head.allSatisfy { $0.isNumber || $0 == "," })
            }
        }
        for n in 3...4 {
            var back: [Bool: Int] = [:], searched: [Bool: Int] = [:]
            for p in Family.countdown.problems(difficulty: n, count: 300, seed: 3) {
                for shuffle in [false, true] {
                    let style = CountdownStyle(search: true, columns: true, ledger: true, shuffle: shuffle)
                    let text = try p.solution(style: .full, countdown: style)
                    #expect(try p.solution(style: .full, countdown: style) == text)
                    guard !text.contains("try ") else { continue }
                    searched[shuffle, default: 0] += 1
                    if wentBack(text) { back[shuffle, default: 0] += 1 }
                }
            }
            let share = [false, true].map { Double(back[$0] ?? 0) / Double(searched[$0] ?? 1) }
            #expect(share[1] >= 0.25 && share[1] >= share[0] + 0.08, "\(n) numbers: \(share)")
        }
    }

    /// Full solutions are longer than brief ones, which are longer than bare answers: the
    /// styles really differ in length, as the pretraining mix needs.
    @Test(arguments: Family.allCases)
    func stylesDifferInLength(family: Family) throws {
        var total: [SolutionStyle: Int] = [:]
        for p in family.problems(difficulty: family.standardDifficulties.upperBound, count: 30, seed: 2) {
            for style in SolutionStyle.allCases { total[style, default: 0] += try p.solution(style: style).count }
        }
        #expect(total[.answer]! < total[.brief]! && total[.brief]! < total[.full]!)
    }

    @Test func solutionsOfForeignQuestionsAreErrors() {
        let p = Problem(id: "x", family: .mul, difficulty: 1, question: "three times four", answer: "12")
        #expect(throws: SolutionError.self) { try p.solution(style: .full) }
    }
}
