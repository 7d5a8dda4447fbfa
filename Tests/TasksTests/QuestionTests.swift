// Problems from bare questions (lab sample --question).
import Testing
@testable import Tasks

struct QuestionTests {
    @Test(arguments: [
        ("347*28", Family.mul, "9716"), ("84/36", .div, "7/3"), ("12+30", .add, "42"), ("5-9", .sub, "-4"),
        ("3/4+5/6", .frac, "19/12"), ("3x+5=20", .linear, "5"), ("-2x-1=4", .linear, "-5/2"),
    ])
    func familyAndAnswerAreRecognised(question: String, family: Family, answer: String) throws {
        let p = try #require(Problem(question: question))
        #expect(p.family == family && p.answer == answer)
    }

    @Test func countdownQuestionsKeepNumbersAndTarget() throws {
        let p = try #require(Problem(question: "make 24 from 2,3,4"))
        #expect(p.family == .countdown && p.numbers == [2, 3, 4] && p.target == 24)
        #expect(Verifier().verify("<answer>2*3*4</answer>", for: p).verdict == .correct)
    }

    @Test(arguments: ["hello", "2^3", "make x from 1,2", ""])
    func nonsenseIsNil(question: String) {
        #expect(Problem(question: question) == nil)
    }
}
