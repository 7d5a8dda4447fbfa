// The verifier policy, rule by rule with a row on each side, the format check and rewards.
import Testing
@testable import Tasks

let mulProblem = Problem(id: "mul-3x2-000017", family: .mul, difficulty: 3, question: "347*28", answer: "9716")
let divProblem = Problem(id: "div-2x2-000001", family: .div, difficulty: 2, question: "84/36", answer: "7/3")
let fracProblem = Problem(id: "frac-d1-000001", family: .frac, difficulty: 1, question: "1/2+1/4", answer: "3/4")
let linearProblem = Problem(id: "linear-d1-000001", family: .linear, difficulty: 1, question: "2x+1=6", answer: "5/2")
let countdownProblem = Problem(id: "countdown-n4-000001", family: .countdown, difficulty: 4,
                               question: "make 85 from 3,7,25,50", answer: "50+25+7+3",
                               numbers: [3, 7, 25, 50], target: 85)

func respond(_ answer: String) -> String { "<think>work</think><answer>\(answer)</answer>" }

struct VerifierTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var problem: Problem
        var response: String
        var verdict: String
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        // missing: no complete block
        Row(name: "no tags", problem: mulProblem, response: "9716", verdict: "missing"),
        Row(name: "open without close", problem: mulProblem, response: "<think>x</think><answer>9716", verdict: "missing"),
        Row(name: "close before open", problem: mulProblem, response: "</answer>9716<answer>", verdict: "missing"),
        Row(name: "complete block, nothing else", problem: mulProblem, response: "<answer>9716</answer>", verdict: "correct"),
        // malformed: more than one answer block or tag
        Row(name: "two answer blocks", problem: mulProblem, response: respond("9716") + "<answer>9716</answer>", verdict: "malformed"),
        Row(name: "nested answer tags", problem: mulProblem, response: "<answer><answer>9716</answer>", verdict: "malformed"),
        Row(name: "extra close tag", problem: mulProblem, response: respond("9716") + "</answer>", verdict: "malformed"),
        // malformed: too long
        Row(name: "256-character answer", problem: mulProblem, response: respond(String(repeating: " ", count: 252) + "9716"), verdict: "correct"),
        Row(name: "257-character answer", problem: mulProblem, response: respond(String(repeating: " ", count: 253) + "9716"), verdict: "malformed"),
        // malformed: not a number literal (number families)
        Row(name: "expression for a number family", problem: mulProblem, response: respond("9000+716"), verdict: "malformed"),
        Row(name: "words", problem: mulProblem, response: respond("the answer is 9716"), verdict: "malformed"),
        Row(name: "plus sign", problem: mulProblem, response: respond("+9716"), verdict: "malformed"),
        Row(name: "zero denominator", problem: divProblem, response: respond("7/0"), verdict: "malformed"),
        Row(name: "empty answer", problem: mulProblem, response: respond("  "), verdict: "malformed"),
        Row(name: "exponent", problem: mulProblem, response: respond("9.716e3"), verdict: "malformed"),
        Row(name: "trimmed whitespace", problem: mulProblem, response: respond(" \n9716\t "), verdict: "correct"),
        Row(name: "x= outside linear", problem: mulProblem, response: respond("x=9716"), verdict: "malformed"),
        Row(name: "x= in linear", problem: linearProblem, response: respond("x=5/2"), verdict: "correct"),
        Row(name: "x= twice in linear", problem: linearProblem, response: respond("x=x=5/2"), verdict: "malformed"),
        Row(name: "x = with spaces in linear", problem: linearProblem, response: respond("x = 5/2"), verdict: "malformed"),
        // malformed: countdown expression rules
        Row(name: "countdown does not parse", problem: countdownProblem, response: respond("50+25+(7"), verdict: "malformed"),
        Row(name: "countdown decimal", problem: countdownProblem, response: respond("50+25+7+3.0"), verdict: "malformed"),
        Row(name: "countdown exponent", problem: countdownProblem, response: respond("50+25+7^3"), verdict: "malformed"),
        Row(name: "countdown divides by zero", problem: countdownProblem, response: respond("50+25+7+3/(7-7)"), verdict: "malformed"),
        Row(name: "countdown letters", problem: countdownProblem, response: respond("fifty+25+7+3"), verdict: "malformed"),
        // wrong
        Row(name: "wrong number", problem: mulProblem, response: respond("9717"), verdict: "wrong"),
        Row(name: "wrong sign", problem: mulProblem, response: respond("-9716"), verdict: "wrong"),
        Row(name: "wrong fraction", problem: divProblem, response: respond("3/7"), verdict: "wrong"),
        Row(name: "countdown uses other numbers", problem: countdownProblem, response: respond("50+35"), verdict: "wrong"),
        Row(name: "countdown right", problem: countdownProblem, response: respond("(50+25)+7+3"), verdict: "correct"),
        Row(name: "countdown reuses a number", problem: countdownProblem, response: respond("50+25+7+3+3-3"), verdict: "wrong"),
        Row(name: "countdown wrong value", problem: countdownProblem, response: respond("50+25+7-3"), verdict: "wrong"),
        // correct: exact rational equality
        Row(name: "6/8 equals 3/4", problem: fracProblem, response: respond("6/8"), verdict: "correct"),
        Row(name: "0.75 equals 3/4", problem: fracProblem, response: respond("0.75"), verdict: "correct"),
        Row(name: "007 equals 7", problem: Problem(id: "a", family: .add, difficulty: 1, question: "3+4", answer: "7"), response: respond("007"), verdict: "correct"),
        Row(name: "14/6 equals 7/3", problem: divProblem, response: respond("14/6"), verdict: "correct"),
        Row(name: "2.5 equals 5/2", problem: linearProblem, response: respond("2.5"), verdict: "correct"),
    ]

    @Test(arguments: rows)
    func policy(row: Row) {
        let r = Verifier().verify(row.response, for: row.problem)
        #expect(r.verdict.name == row.verdict, "\(row.name): \(r.verdict)")
    }

    @Test func countdownAcceptsAnyValidExpression() {
        let p = Problem(id: "c", family: .countdown, difficulty: 3, question: "make 24 from 2,3,4", answer: "2*3*4",
                        numbers: [2, 3, 4], target: 24)
        for answer in ["2*3*4", "4*3*2", "(2*3)*4", "4*(3*2)", " 4 * 2 * 3 "] {
            #expect(Verifier().verify(respond(answer), for: p).verdict == .correct, "\(answer)")
        }
        #expect(Verifier().verify(respond("(4+2)*3"), for: p).verdict.name == "wrong")
    }

    @Test(arguments: [
        // (problem, answer content, key): the canonical value the verdict was decided on.
        (divProblem, "14/6", "7/3" as String?),
        (divProblem, " 2.5 ", "5/2"),
        (mulProblem, "009716", "9716"),
        (mulProblem, "-0", "0"),
        (linearProblem, "x=2.5", "5/2"),
        (countdownProblem, "(3+7)*25/50+80", "25,3,50,7,80→85"),   // wrong numbers, still a gradable answer
        (countdownProblem, "3+7+25+50", "25,3,50,7→85"),
        (mulProblem, "9000+716", nil),                               // malformed answers have no key
        (countdownProblem, "3+x", nil),
        (countdownProblem, "7/(3-3)", nil),
    ])
    func answerKeyIsTheCanonicalJudgedValue(problem: Problem, content: String, key: String?) {
        #expect(Verifier().verify(respond(content), for: problem).answerKey == key)
        #expect(Verifier().graded(answer: content, for: problem).key == key)
        #expect(Scorer().score(respond(content), for: problem).answerKey == key)
    }

    @Test func noCompleteAnswerBlockHasNoKey() {
        #expect(Verifier().verify("<think>x</think>9716", for: mulProblem).answerKey == nil)
        #expect(Verifier().verify(respond("9716") + "<answer>1</answer>", for: mulProblem).answerKey == nil)
    }

    @Test(arguments: [
        ("<think>a</think><answer>1</answer>", true),
        ("  <think>a</think>\n<answer>1</answer>\n", true),
        ("<think></think><answer>1</answer>", true),
        ("x<think>a</think><answer>1</answer>", false),
        ("<think>a</think>so<answer>1</answer>", false),
        ("<think>a</think><answer>1</answer>.", false),
        ("<answer>1</answer><think>a</think>", false),
        ("<think>a<think>b</think><answer>1</answer>", false),
        ("<think>a</think></think><answer>1</answer>", false),
        ("<answer>1</answer>", false),
        ("<think>a</think><answer>1</answer><answer>1</answer>", false),
        ("<think>a<answer>1</answer></think>", false),
    ])
    func formatCheck(response: String, ok: Bool) {
        #expect(Verifier().verify(response, for: mulProblem).formatOK == ok)
    }

    @Test func rewardIsAccuracyPlusWeightedFormat() {
        let scorer = Scorer()
        let good = scorer.score("<think>347*28=9716</think><answer>9716</answer>", for: mulProblem)
        #expect(good.reward["accuracy"] == 1 && good.reward["format"] == 0.1 && good.reward["steps"] == nil)
        #expect(good.reward.total == 1.1)
        let wrongFormatted = scorer.score("<think>x</think><answer>1</answer>", for: mulProblem)
        #expect(wrongFormatted.reward.total == 0.1)
        let rightUnformatted = scorer.score("<answer>9716</answer>", for: mulProblem)
        #expect(rightUnformatted.reward.total == 1.0)
        let custom = Scorer(weights: RewardWeights(accuracy: 2, format: 0.5, steps: 0.4))
        let mixed = custom.score("<think>347*8=2776 347*20=6940 2776+6940=9717</think><answer>9716</answer>", for: mulProblem)
        #expect(mixed.reward.components.map(\.name) == ["accuracy", "format", "steps"])
        #expect(mixed.reward["accuracy"] == 2 && mixed.reward["format"] == 0.5)
        #expect(abs(mixed.reward["steps"]! - 0.4 * 2 / 3) < 1e-12)
        #expect(mixed.steps == StepSummary(checked: 3, correct: 2))
    }
}

struct StepCheckerTests {
    @Test(arguments: [
        ("347*8=2776", ["347*8=2776"], [true]),
        ("347*8=2775", ["347*8=2775"], [false]),
        ("3/4+5/6=38/24=19/12", ["3/4+5/6=38/24=19/12"], [true]),
        ("3/4+5/6=38/24=19/13", ["3/4+5/6=38/24=19/13"], [false]),
        ("3x=20-5=15", ["20-5=15"], [true]),
        ("x=15/3 then c1 and x=5", [], []),
        ("+5=20", [], []),
        ("so 3+4=7.", ["3+4=7"], [true]),
        ("a 7+8+0=15\nb 4+2+1=7", ["7+8+0=15", "4+2+1=7"], [true, true]),
        ("5/0=3", ["5/0=3"], [false]),
        ("84=2*36+12", ["84=2*36+12"], [true]),
        ("-(347-28)=-319", ["-(347-28)=-319"], [true]),
        ("7==7+0", [], []),
        ("1 + 1 = 2", [], []),
        ("2^3=8", [], []),
        ("=2+2=4=", ["2+2=4"], [true]),
        (String(repeating: "1+", count: 127) + "1=128", [], []),
        (String(repeating: "1+", count: 125) + "1=126", [String(repeating: "1+", count: 125) + "1=126"], [true]),
    ])
    func findsAndChecksClaims(text: String, claims: [String], truth: [Bool]) {
        let found = StepChecker.claims(in: text)
        #expect(found.map(\.text) == claims)
        #expect(found.map(\.isTrue) == truth)
    }

    @Test func claimRangesPointAtTheClaim() {
        let text = "é 3x=20-5=15"
        for c in StepChecker.claims(in: text) {
            let bytes = Array(text.utf8)[c.utf8Range]
            #expect(String(decoding: bytes, as: UTF8.self) == c.text)
        }
    }

    @Test func claimsAreCapped() {
        let text = String(repeating: "1+1=2 ", count: 2000)
        #expect(StepChecker.claims(in: text).count == StepChecker.maxClaims)
    }
}
