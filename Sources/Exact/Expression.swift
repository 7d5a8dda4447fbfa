// The bounded arithmetic expression parser and exact evaluator used by the verifier.
//
// Grammar (whitespace between tokens is skipped):
//   expr   := term (('+' | '-') term)*
//   term   := unary (('*' | '/') unary)*
//   unary  := '-' unary | atom
//   atom   := number | '(' expr ')'
//   number := digits ('.' digits)?        -- decimals only when the options allow them
// No exponent operator, at most `maxLength` characters and `maxDepth` nested parentheses or
// signs, so parsing and evaluation are bounded in time and memory on any input.

// MARK: - Tree

/// A parsed expression. Evaluation is exact; division by zero is an error, never a crash.
public indirect enum Expression: Sendable, Equatable {
    case number(Rational, literal: String)
    case negate(Expression)
    case binary(Operator, Expression, Expression)

    public enum Operator: Character, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    /// The exact value.
    public func evaluate() throws(ExpressionError) -> Rational {
        switch self {
        case let .number(v, _): return v
        case let .negate(e): return try e.evaluate().negated
        case let .binary(op, l, r):
            let a = try l.evaluate(), b = try r.evaluate()
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            case .divide:
                guard let q = a.dividing(by: b) else { throw .divisionByZero }
                return q
            }
        }
    }

    /// Every number literal, left to right.
    public var numbers: [Rational] {
        switch self {
        case let .number(v, _): return [v]
        case let .negate(e): return e.numbers
        case let .binary(_, l, r): return l.numbers + r.numbers
        }
    }

    /// Number of binary operators.
    public var operatorCount: Int {
        switch self {
        case .number: return 0
        case let .negate(e): return e.operatorCount
        case let .binary(_, l, r): return 1 + l.operatorCount + r.operatorCount
        }
    }
}

// MARK: - Errors

public enum ExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(length: Int, limit: Int)
    case tooDeep(limit: Int)
    case unexpectedCharacter(Character, offset: Int)
    case unexpectedEnd
    case decimalNotAllowed(offset: Int)
    case divisionByZero

    public var description: String {
        switch self {
        case .empty: return "empty expression"
        case let .tooLong(length, limit): return "expression has \(length) characters, more than \(limit)"
        case let .tooDeep(limit): return "expression nests deeper than \(limit)"
        case let .unexpectedCharacter(c, offset): return "unexpected \(c.debugDescription) at offset \(offset)"
        case .unexpectedEnd: return "expression ends early"
        case let .decimalNotAllowed(offset): return "decimal number at offset \(offset) (integers only)"
        case .divisionByZero: return "division by zero"
        }
    }
}

// MARK: - Parser

public struct ExpressionParser: Sendable {
    /// Longest accepted input, in characters.
    public var maxLength = 256
    /// Deepest accepted nesting of parentheses and unary minus.
    public var maxDepth = 32
    /// Whether `1.5` is accepted (countdown accepts integers only).
    public var allowDecimals = true

    public init(maxLength: Int = 256, maxDepth: Int = 32, allowDecimals: Bool = true) {
        self.maxLength = maxLength
        self.maxDepth = maxDepth
        self.allowDecimals = allowDecimals
    }

    /// Parses the whole text as one expression.
    public func parse<S: StringProtocol>(_ text: S) throws(ExpressionError) -> Expression {
        let length = text.count
        guard length <= maxLength else { throw .tooLong(length: length, limit: maxLength) }
        var state = State(chars: Array(text), options: self)
        state.skipSpaces()
        guard state.pos < state.chars.count else { throw .empty }
        let e = try state.expr(depth: 0)
        state.skipSpaces()
        if state.pos < state.chars.count { throw .unexpectedCharacter(state.chars[state.pos], offset: state.pos) }
        return e
    }

    /// Parses and evaluates.
    public func evaluate<S: StringProtocol>(_ text: S) throws(ExpressionError) -> Rational {
        try parse(text).evaluate()
    }

    private struct State {
        let chars: [Character]
        let options: ExpressionParser
        var pos = 0

        mutating func skipSpaces() {
            while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 }
        }

        mutating func peek() -> Character? {
            skipSpaces()
            return pos < chars.count ? chars[pos] : nil
        }

        mutating func expr(depth: Int) throws(ExpressionError) -> Expression {
            var lhs = try term(depth: depth)
            while let c = peek(), c == "+" || c == "-" {
                pos += 1
                let rhs = try term(depth: depth)
                lhs = .binary(c == "+" ? .add : .subtract, lhs, rhs)
            }
            return lhs
        }

        mutating func term(depth: Int) throws(ExpressionError) -> Expression {
            var lhs = try unary(depth: depth)
            while let c = peek(), c == "*" || c == "/" {
                pos += 1
                let rhs = try unary(depth: depth)
                lhs = .binary(c == "*" ? .multiply : .divide, lhs, rhs)
            }
            return lhs
        }

        mutating func unary(depth: Int) throws(ExpressionError) -> Expression {
            guard let c = peek() else { throw .unexpectedEnd }
            if c == "-" {
                guard depth < options.maxDepth else { throw .tooDeep(limit: options.maxDepth) }
                pos += 1
                return .negate(try unary(depth: depth + 1))
            }
            return try atom(depth: depth)
        }

        mutating func atom(depth: Int) throws(ExpressionError) -> Expression {
            guard let c = peek() else { throw .unexpectedEnd }
            if c == "(" {
                guard depth < options.maxDepth else { throw .tooDeep(limit: options.maxDepth) }
                pos += 1
                let e = try expr(depth: depth + 1)
                guard let close = peek() else { throw .unexpectedEnd }
                guard close == ")" else { throw .unexpectedCharacter(close, offset: pos) }
                pos += 1
                return e
            }
            guard c.isASCII, c.isNumber else { throw .unexpectedCharacter(c, offset: pos) }
            return try number()
        }

        mutating func number() throws(ExpressionError) -> Expression {
            let start = pos
            while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber { pos += 1 }
            if pos < chars.count, chars[pos] == "." {
                guard options.allowDecimals else { throw .decimalNotAllowed(offset: start) }
                pos += 1
                let fracStart = pos
                while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber { pos += 1 }
                guard pos > fracStart else {
                    if pos < chars.count { throw .unexpectedCharacter(chars[pos], offset: pos) }
                    throw .unexpectedEnd
                }
            }
            let literal = String(chars[start..<pos])
            guard let value = try? Rational.parse(literal: literal) else {
                throw .unexpectedCharacter(chars[start], offset: start)
            }
            return .number(value, literal: literal)
        }
    }
}
