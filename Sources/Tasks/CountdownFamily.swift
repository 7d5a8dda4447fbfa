// `countdown`: given 3–5 numbers and a target, an expression that uses each number exactly
// once and equals the target. The generator builds a random solution first (every
// intermediate value a positive integer, as in the game), so a solution always exists; the
// recorded answer is that expression, and any other valid one is accepted too.
// Difficulty n: how many numbers (3…5).
import Seeds
import Exact

enum CountdownFamily: FamilyGenerator {
    static let difficulties = 3...5
    static let standardDifficulties = 3...4
    static let large = [25, 50, 75, 100]

    /// A solution tree: numbers at the leaves.
    indirect enum Node {
        case leaf(Int)
        case op(Character, Node, Node, value: Int)

        var value: Int {
            switch self {
            case let .leaf(v): return v
            case let .op(_, _, _, v): return v
            }
        }

        var precedence: Int {
            switch self {
            case .leaf: return 3
            case let .op(o, _, _, _): return o == "+" || o == "-" ? 1 : 2
            }
        }

        /// Printed with only the parentheses precedence needs.
        var text: String {
            guard case let .op(o, l, r, _) = self else { return String(value) }
            let p = precedence
            let left = l.precedence < p ? "(\(l.text))" : l.text
            let needsRight = r.precedence < p || (r.precedence == p && (o == "-" || o == "/"))
            return left + String(o) + (needsRight ? "(\(r.text))" : r.text)
        }

        /// Steps `a op b = c`, innermost first.
        var steps: [String] {
            guard case let .op(o, l, r, v) = self else { return [] }
            return l.steps + r.steps + ["\(l.value)\(o)\(r.value)=\(v)"]
        }
    }

    /// Combines two values under the game's rules (positive integers, exact division, no
    /// ×1 or ÷1), or nil.
    static func combine(_ a: Node, _ b: Node, _ o: Character) -> Node? {
        let (x, y) = (a.value, b.value)
        switch o {
        case "+": return .op("+", a, b, value: x + y)
        case "-": return x > y ? .op("-", a, b, value: x - y) : nil
        case "*": return x > 1 && y > 1 ? .op("*", a, b, value: x * y) : nil
        default: return y > 1 && x % y == 0 ? .op("/", a, b, value: x / y) : nil
        }
    }

    /// Repeatedly joins two random values of the pool until one is left.
    static func randomTree(_ numbers: [Int], rng: inout SeededRandom) -> Node {
        var pool = numbers.map(Node.leaf)
        while pool.count > 1 {
            let i = rng.int(in: 0...(pool.count - 1))
            var j = rng.int(in: 0...(pool.count - 2))
            if j >= i { j += 1 }
            var joined: Node?
            for o in rotated(Array("+-*/"), by: rng.int(in: 0...3)) {
                joined = combine(pool[i], pool[j], o) ?? combine(pool[j], pool[i], o)
                if joined != nil { break }
            }
            pool[i] = joined ?? .op("+", pool[i], pool[j], value: pool[i].value + pool[j].value)
            pool.remove(at: j)
        }
        return pool[0]
    }

    static func rotated<T>(_ a: [T], by k: Int) -> [T] { Array(a[k...] + a[..<k]) }

    static func make(difficulty n: Int, rng: inout SeededRandom) -> Draft {
        while true {
            var numbers: [Int] = []
            for _ in 0..<n {
                numbers.append(rng.chance(0.25) ? rng.element(of: large) : rng.int(in: 1...10))
            }
            let tree = randomTree(numbers, rng: &rng)
            let target = tree.value
            guard (10...999).contains(target), !numbers.contains(target) else { continue }
            let list = numbers.map(String.init).joined(separator: ",")
            return Draft(shape: "n\(n)", question: "make \(target) from \(list)", answer: tree.text,
                         numbers: numbers, target: target)
        }
    }

    static let repairs = false

    /// The solution tree of a problem's recorded answer.
    static func tree(_ p: Problem) throws(SolutionError) -> Node {
        guard let numbers = p.numbers, let target = p.target,
              let expr = try? ExpressionParser(allowDecimals: false).parse(p.answer),
              let tree = node(expr), tree.value == target,
              tree.leaves.sorted() == numbers.sorted()
        else { throw p.failSolution("the recorded answer is not a countdown solution in the game's rules") }
        return tree
    }

    static func brief(_ p: Problem) throws(SolutionError) -> String {
        try tree(p).steps.joined(separator: "\n")
    }

    /// One or two failed attempts drawn from a stream seeded by the problem, then the solution
    /// and a check. The steps are whole operations on numbers up to three digits: the search is
    /// what this family teaches.
    static func full(_ p: Problem, slip: Slip?) throws(SolutionError) -> [String] {
        let tree = try tree(p)
        let (numbers, target) = (p.numbers!, p.target!)
        var rng = SeededRandom(seed: fnv1a(p.canonicalKey))
        var lines: [String] = []
        for _ in 0..<(1 + rng.int(in: 0...1)) {
            let attempt = randomTree(numbers, rng: &rng)
            guard attempt.value != target else { continue }
            lines.append("try " + attempt.steps.joined(separator: " ") + " no")
        }
        lines += tree.steps
        lines.append(Steps.verdict("\(tree.text)=\(target)", true))
        return lines
    }

    /// A parsed expression as a game tree, when every step follows the game's rules.
    static func node(_ e: Expression) -> Node? {
        switch e {
        case let .number(v, _): return v.intValue.map(Node.leaf)
        case .negate: return nil
        case let .binary(o, l, r):
            guard let a = node(l), let b = node(r) else { return nil }
            return combine(a, b, o.rawValue)
        }
    }
}

extension CountdownFamily.Node {
    var leaves: [Int] {
        switch self {
        case let .leaf(v): return [v]
        case let .op(_, l, r, _): return l.leaves + r.leaves
        }
    }
}

/// 64-bit FNV-1a of a string's UTF-8: a stable seed from text.
func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
