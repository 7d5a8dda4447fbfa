// A problem from a bare question, for `lab sample --question`: the family is recognised from
// the question's form and the answer computed exactly.
import Exact

extension Problem {
    /// Recognises `make T from a,b,c`, `ax+b=c`, and arithmetic (`347*28`, `84/36`, `3/4+5/6`);
    /// nil for anything else.
    public init?(question raw: String) {
        let q = raw.filter { !$0.isWhitespace || raw.hasPrefix("make") }
        if q.hasPrefix("make "), let fromRange = q.range(of: " from ") {
            guard let target = Int(q[q.index(q.startIndex, offsetBy: 5)..<fromRange.lowerBound]) else { return nil }
            let numbers = q[fromRange.upperBound...].split(separator: ",").compactMap { Int(String($0).trimmingWhitespace()) }
            guard (3...6).contains(numbers.count) else { return nil }
            self.init(id: "question", family: .countdown, difficulty: numbers.count, question: q, answer: "",
                      numbers: numbers, target: target)
            return
        }
        if q.contains("x") {
            let p = Problem(id: "question", family: .linear, difficulty: 0, question: q, answer: "")
            guard let (a, b, c) = try? LinearFamily.coefficients(p) else { return nil }
            self = p
            answer = (Rational(c - b) / Rational(a)).description
            return
        }
        guard let value = try? ExpressionParser().evaluate(q) else { return nil }
        let ops = q.filter { "+-*/".contains($0) }
        let family: Family
        switch ops {
        case "+": family = .add
        case "-": family = .sub
        case "*": family = .mul
        case "/": family = .div
        default: family = .frac
        }
        self.init(id: "question", family: family, difficulty: 0, question: q, answer: value.description)
    }
}
