// Rational over GMP: arithmetic, canonical printing, literal parsing, order and hashing.
import Testing
@testable import Exact

/// A tiny deterministic generator for property tests (Exact has no generator of its own).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func digits(_ n: Int) -> String {
        String((0..<n).map { i in Character(String(i == 0 ? 1 + next() % 9 : next() % 10)) })
    }
}

struct RationalTests {
    @Test(arguments: [
        ("1/2", "1/3", "5/6", "1/6", "1/6", "3/2"),
        ("-3/4", "3/4", "0", "-3/2", "-9/16", "-1"),
        ("7", "-2", "5", "9", "-14", "-7/2"),
        ("0.5", "0.25", "3/4", "1/4", "1/8", "2"),
    ])
    func arithmeticIsExact(a: String, b: String, sum: String, diff: String, product: String, quotient: String) throws {
        let x = try #require(Rational(a)), y = try #require(Rational(b))
        #expect((x + y).description == sum)
        #expect((x - y).description == diff)
        #expect((x * y).description == product)
        #expect(x.dividing(by: y)?.description == quotient)
    }

    @Test func fortyDigitProductIsExact() throws {
        let a = try #require(Rational("12345678901234567890"))
        let b = try #require(Rational("98765432109876543210"))
        #expect((a * b).description == "1219326311370217952237463801111263526900")
    }

    @Test func divisionByZeroIsNilNotACrash() {
        #expect(Rational(5).dividing(by: .zero) == nil)
        #expect(Rational(1, 0) == nil)
    }

    @Test(arguments: [
        ("6/8", "3/4"), ("-6/8", "-3/4"), ("10/5", "2"), ("007", "7"), ("0.75", "3/4"), ("-0", "0"),
        ("0/5", "0"), ("1.50", "3/2"), ("-12.5", "-25/2"), ("000/1", "0"),
    ])
    func literalsParseToCanonicalForm(text: String, canonical: String) throws {
        #expect(try Rational.parse(literal: text).description == canonical)
    }

    @Test(arguments: [
        ("", NumberLiteralError.empty),
        ("-", .missingDigits(offset: 1)),
        ("+5", .unexpectedCharacter("+", offset: 0)),
        ("1/0", .zeroDenominator),
        ("1/00", .zeroDenominator),
        ("1.", .missingDigits(offset: 2)),
        (".5", .unexpectedCharacter(".", offset: 0)),
        ("1/", .missingDigits(offset: 2)),
        ("1 /2", .unexpectedCharacter(" ", offset: 1)),
        ("1/2/3", .unexpectedCharacter("/", offset: 3)),
        ("1.5/2", .unexpectedCharacter("/", offset: 3)),
        ("2+3", .unexpectedCharacter("+", offset: 1)),
        ("1e5", .unexpectedCharacter("e", offset: 1)),
        ("--1", .unexpectedCharacter("-", offset: 1)),
        ("٣", .unexpectedCharacter("٣", offset: 0)),
    ])
    func nonLiteralsAreRejected(text: String, error: NumberLiteralError) {
        #expect(throws: error) { try Rational.parse(literal: text) }
    }

    @Test func parsingAPrintedRationalGivesItBack() throws {
        var rng = TestRandom(state: 42)
        for i in 0..<2000 {
            let n = try #require(Rational(rng.digits(1 + Int(rng.next() % 40))))
            let d = try #require(Rational(rng.digits(1 + Int(rng.next() % 30))))
            let r = (i % 2 == 0 ? n : n.negated) / d
            #expect(try Rational.parse(literal: r.description) == r)
        }
    }

    @Test func orderAndHashingFollowValue() throws {
        let values = ["-3/2", "-1", "0", "1/3", "0.5", "2/3", "7"].map { Rational($0)! }
        #expect(values == values.sorted())
        #expect(Set(["3/4", "6/8", "0.75", "9/12"].map { Rational($0)! }).count == 1)
        #expect(Rational("6/8")!.hashValue == Rational("0.75")!.hashValue)
    }

    @Test func integerHelpers() throws {
        let (q, r) = Rational(9716).quotientAndRemainder(dividingBy: 28)
        #expect(q == 347 && r == 0)
        #expect(Rational.gcd(84, 36) == 12)
        #expect(Rational.powerOfTen(20).description == "1" + String(repeating: "0", count: 20))
        #expect(Rational("7/3")!.isInteger == false && Rational(12).intValue == 12)
        #expect(Rational("123456789012345678901234567890")!.intValue == nil)
    }
}
