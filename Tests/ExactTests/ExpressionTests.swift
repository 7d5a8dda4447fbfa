// The bounded expression parser: exact values, precedence, and every bound as an error.
import Testing
@testable import Exact

struct ExpressionTests {
    @Test(arguments: [
        ("1+2*3", "7"), ("(1+2)*3", "9"), ("8/4/2", "1"), ("8-4-2", "2"), ("3/4+5/6", "19/12"),
        ("(3/4)/(5/6)", "9/10"), ("-3*(-5)+5", "20"), ("-(347-28)", "-319"), (" 2 * ( 3 + 4 ) ", "14"),
        ("0.5*4", "2"), ("99999999999999999999*99999999999999999999", "9999999999999999999800000000000000000001"),
    ])
    func evaluatesExactly(text: String, value: String) throws {
        #expect(try ExpressionParser().evaluate(text).description == value)
    }

    @Test(arguments: [
        ("", ExpressionError.empty),
        ("   ", .empty),
        ("1/0", .divisionByZero),
        ("1/(2-2)", .divisionByZero),
        ("2^3", .unexpectedCharacter("^", offset: 1)),
        ("2**3", .unexpectedCharacter("*", offset: 2)),
        ("(1+2", .unexpectedEnd),
        ("1+2)", .unexpectedCharacter(")", offset: 3)),
        ("1+", .unexpectedEnd),
        ("+1", .unexpectedCharacter("+", offset: 0)),
        ("x+1", .unexpectedCharacter("x", offset: 0)),
        ("1 2", .unexpectedCharacter("2", offset: 2)),
        ("1.", .unexpectedEnd),
    ])
    func badInputIsAnErrorNotACrash(text: String, error: ExpressionError) {
        #expect(throws: error) { try ExpressionParser().evaluate(text) }
    }

    @Test func boundsAreEnforced() throws {
        let deep = String(repeating: "(", count: 33) + "1" + String(repeating: ")", count: 33)
        #expect(throws: ExpressionError.tooDeep(limit: 32)) { try ExpressionParser().parse(deep) }
        let ok = String(repeating: "(", count: 32) + "1" + String(repeating: ")", count: 32)
        #expect(try ExpressionParser().evaluate(ok) == 1)
        #expect(throws: ExpressionError.tooDeep(limit: 32)) { try ExpressionParser().parse(String(repeating: "-", count: 40) + "1") }
        let long = String(repeating: "1+", count: 128) + "1"
        #expect(throws: ExpressionError.tooLong(length: 257, limit: 256)) { try ExpressionParser().parse(long) }
        #expect(try ExpressionParser().evaluate(String(long.dropFirst(2))) == 128)
    }

    @Test func integersOnlyWhenAsked() {
        #expect(throws: ExpressionError.decimalNotAllowed(offset: 2)) {
            try ExpressionParser(allowDecimals: false).parse("1+2.5")
        }
    }

    @Test func numbersAreListedLeftToRight() throws {
        let e = try ExpressionParser().parse("(50+25)*3-7")
        #expect(e.numbers == [50, 25, 3, 7])
        #expect(e.operatorCount == 3)
    }
}
