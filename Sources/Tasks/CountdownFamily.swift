// `countdown`: given 3–5 numbers and a target, an expression that uses each number exactly
// once and equals the target. The generator builds a random solution first (every
// intermediate value a positive integer, as in the game), so a solution always exists; the
// recorded answer is that expression, and any other valid one is accepted too.
// Difficulty n: how many numbers (3…5).
import Seeds
import Exact

/// How countdown's full solutions are written: the corpus options `countdownSearch`,
/// `countdownColumns`, `countdownLedger` and `countdownShuffle` of `CorpusMix`. All off is the
/// previous base's style (random tries); `corpus` is what the shipped base read.
public struct CountdownStyle: Sendable, Equatable {
    /// A backward search from the target (`CountdownFamily.search`) instead of random tries
    /// before the recorded solution.
    public var search = false
    /// The search's steps on a value worked out digit by digit (`CountdownFamily.columns`).
    public var columns = false
    /// The search's bookkeeping written out (`CountdownFamily.backward`).
    public var ledger = false
    /// The numbers tried in an order drawn from the problem, not largest first
    /// (`CountdownFamily.backward`).
    public var shuffle = false

    public init(search: Bool = false, columns: Bool = false, ledger: Bool = false, shuffle: Bool = false) {
        self.search = search
        self.columns = columns
        self.ledger = ledger
        self.shuffle = shuffle
    }

    /// The style of the default corpus (`CorpusMix()`): the search, in columns, with its ledger.
    public static var corpus: CountdownStyle { CorpusMix().countdown }
}

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

    /// One whole operation of the kind the search takes, on two of the game's numbers or on a
    /// value met on the way (10–999) and a number: `25*3=75`, `143-75=68`, `280/5=56`. The
    /// search's steps are not written digit by digit, so the base needs these facts by heart.
    static func drill(rng: inout SeededRandom) -> String? {
        func number() -> Int { rng.chance(0.25) ? rng.element(of: large) : rng.int(in: 1...10) }
        let y = number(), wide = rng.chance(0.5)
        let x = wide ? rng.int(in: 10...999) : number()
        let (a, b) = (max(x, y), min(x, y))
        switch rng.int(in: 0...3) {
        case 0: return "\(a)+\(b)=\(a + b)"
        case 1 where a > b: return "\(a)-\(b)=\(a - b)"
        case 1: return "\(a)+\(b)=\(a + b)"
        case 2:
            let m = max(y, 2), f = wide ? rng.int(in: 2...max(2, 999 / m)) : max(number(), 2)
            return "\(max(f, m))*\(min(f, m))=\(f * m)"
        default:
            let m = max(y, 2), q = wide ? rng.int(in: 2...max(2, 999 / m)) : max(number(), 2)
            return "\(q * m)/\(m)=\(q)"
        }
    }

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

    /// A backward search from the target, every step a whole operation on numbers up to three
    /// digits: `81 from 100,9,6,4`, then for each number (largest first) the value the others
    /// must make for it to reach the target (`100-81=19 from 9,6,4`: 81 is 100 minus 19), down to
    /// a pair, which works out its sum, difference, product and quotient in turn until one is the
    /// value (`6+4=10 yes`; `9+6=15 9-6=3 9*6=54 no`, and the search goes back). Found, the
    /// expression is built back up (`so 9+(6+4)=19`) and checked. Each step is one a person
    /// takes, so the procedure can be learnt, unlike a solution that appears after random tries.
    /// A search that runs over `searchBudget` characters (some 4-number problems, more with 5,
    /// whose solutions need two pairs) falls back to `guessed`.
    ///
    /// The corpus writes this only with `CorpusMix.countdownSearch`; without it countdown's full
    /// solution is `guessed`, as in the previous base.
    static func full(_ p: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String] {
        guard let found = search(p) else { return try guessed(p) }
        return found.lines
    }

    /// The search's expression, or the recorded one that `guessed` ends with.
    static func fullAnswer(_ p: Problem) throws(SolutionError) -> String {
        search(p)?.answer ?? p.answer
    }

    /// Characters of search lines after which the full solution gives up on the search; with
    /// the digit-by-digit work written, the larger budget, and with the ledger's longer lines a
    /// smaller one, so that the whole response fits the 520 characters RL samples (with columns
    /// alone, all but one in 40,000 standard problems do) and the base's 576-character rows.
    static let searchBudget = 320
    static let columnsBudget = 360
    static let ledgerColumnsBudget = 340

    static func budget(_ style: CountdownStyle) -> Int {
        style.columns ? (style.ledger ? ledgerColumnsBudget : columnsBudget) : searchBudget
    }

    /// The lines and answer of the backward search for `p` written in `style` (`backward`), or
    /// nil when it runs over budget.
    static func search(_ p: Problem, _ style: CountdownStyle = CountdownStyle(search: true)) -> (lines: [String], answer: String)? {
        guard let numbers = p.numbers, let target = p.target else { return nil }
        let pool = style.ledger ? numbers : numbers.sorted(by: >)
        var lines = ["\(target) from " + list(pool)]
        var used = 0
        var order = style.shuffle ? SeededRandom(seed: fnv1a("order " + p.canonicalKey)) : nil
        guard let path = backward(target, pool, into: &lines, used: &used, style, order: &order) else { return nil }
        for (e, v) in path.dropFirst().dropLast() { lines.append("so \(e)=\(v)") }
        let answer = path.last!.expression
        lines.append(Steps.verdict("\(answer)=\(target)", true))
        return (lines, answer)
    }

    /// The digit-by-digit work behind a search step `a op b` on a value met on the way and a
    /// game number, in the procedures the other families' full solutions use: column sums and
    /// differences (`143-075`, `13-5-0=8`, …), one-digit products (`4*7+0=28`, …) or the rows of
    /// a two-digit one, long division by one digit (`14=3*4+2`, …). Without it a step such as
    /// `143-75=68` is a fact to know by heart, and there are thousands of them: the corpus of
    /// `checkpoints/base-search` shows the median one 16–29 times, far from the hundred a small
    /// model needs (README, "Countdown's search"). A step on two one-digit numbers is a table fact, and a
    /// division by 10, 25, 50, 75 or 100 one of a few hundred: those stay whole.
    static func columns(_ a: Int, _ op: Character, _ b: Int) -> [String] {
        guard a >= 10 || b >= 10 else { return [] }
        let (x, y) = (String(a), String(b))
        switch op {
        case "+": return Steps.writtenAdd(x, y).lines
        case "-": return Steps.writtenSub(x, y).lines
        case "*": return ["\(x)*\(y)"] + (b < 10 ? Steps.digitProduct(x, b).lines : Steps.multiply(x, y).lines)
        default: return b < 10 ? ["\(x)/\(y)"] + Steps.longDivision(x, by: b).lines : []
        }
    }

    static func list(_ pool: [Int]) -> String { pool.map(String.init).joined(separator: ",") }

    /// Searches for `t` from `pool`, appending its lines; the numbers are tried largest first.
    /// Returns the expressions that make each value on the way, innermost (the pair) first, or
    /// nil. With `style.columns`, each step's digit-by-digit work (`columns(_:_:_:)`) comes
    /// before its line. With `style.ledger`, the pool stays in the question's order, less the
    /// number each step uses; a pair line says `no` or `yes` after every value it works out; and
    /// a division that does not come out is written where it would be tried (`20/8 no`, after
    /// its long division with `style.columns`). So neither copying a sorted pool, nor matching
    /// the value sought, nor knowing which divisions come out is done in one go, in no line.
    /// With `style.shuffle`, the numbers are tried in an order drawn from `order` instead: where
    /// the largest number is the one to take first, most searches find their pair on the first
    /// descent (88% of 3-number ones), so a pair line nearly always says `yes` and a model can
    /// predict it without comparing; in a drawn order, searches go back more often.
    static func backward(_ t: Int, _ pool: [Int], into lines: inout [String], used: inout Int, _ style: CountdownStyle,
                         order rng: inout SeededRandom?) -> [(expression: String, value: Int)]? {
        func write(_ line: String) {
            lines.append(line)
            used += line.utf8.count + 1
        }
        if pool.count == 2 {
            // Each value is worked out before it is compared: a line that only named the hit
            // would end in the value sought, which a model can copy instead of computing.
            let (x, y) = (max(pool[0], pool[1]), min(pool[0], pool[1]))
            var worked: [String] = []
            for e in ["+", "-", "*", "/"] {
                guard let v = combine(.leaf(x), .leaf(y), Character(e))?.value else { continue }
                worked.append("\(x)\(e)\(y)=\(v)" + (style.ledger && v != t ? " no" : ""))
                if v == t {
                    write(worked.joined(separator: " ") + " yes")
                    return [("\(x)\(e)\(y)", t)]
                }
            }
            write(worked.joined(separator: " ") + (style.ledger ? "" : " no"))
            return nil
        }
        let written = lines.count
        // Largest first, or in a drawn order; of equal numbers only the first.
        var seen = Set<Int>()
        var order = pool.indices.sorted { pool[$0] > pool[$1] || (pool[$0] == pool[$1] && $0 < $1) }.filter { seen.insert(pool[$0]).inserted }
        if rng != nil { rng!.shuffle(&order) }
        for k in order {
            let n = pool[k]
            var rest = pool
            rest.remove(at: k)
            // What `rest` must make (r) for n to reach t: the step `a op b` that gives r, and how
            // the expression for r becomes one for t. With the ledger, a division that does not
            // come out is written too (r nil: `20/8 no`), where it would be tried.
            var candidates: [(a: Int, op: Character, b: Int, r: Int?, wrap: (String) -> String)] = []
            if t > n { candidates.append((t, "-", n, t - n, { "\(n)+(\($0))" })) }
            if n > t { candidates.append((n, "-", t, n - t, { "\(n)-(\($0))" })) }
            if n > 1, t % n == 0 { candidates.append((t, "/", n, t / n, { "\(n)*(\($0))" })) }
            if style.ledger, n > 1, n < t, t % n != 0 { candidates.append((t, "/", n, nil, { $0 })) }
            candidates.append((t, "+", n, t + n, { "(\($0))-\(n)" }))
            if n > 1 { candidates.append((t, "*", n, t * n, { "(\($0))/\(n)" })) }
            for c in candidates where c.r.map({ (1...999).contains($0) }) ?? true {
                // A pair makes at most the larger of its sum and product: larger values are not tried
                // (nor divisions whose quotient would be one, come out or not).
                if rest.count == 2, (c.r ?? c.a / c.b) > max(rest[0] * rest[1], rest[0] + rest[1]) { continue }
                // The budget counts a step's work before it is written, so no search runs far over it.
                let work = style.columns ? columns(c.a, c.op, c.b) : []
                guard used + work.reduce(0, { $0 + $1.utf8.count + 1 }) <= budget(style) else { return nil }
                work.forEach(write)
                guard let r = c.r else {
                    write("\(c.a)/\(c.b) no")
                    continue
                }
                write("\(c.a)\(c.op)\(c.b)=\(r) from " + list(rest))
                if var path = backward(r, rest, into: &lines, used: &used, style, order: &rng) {
                    path.append((c.wrap(path.last!.expression), t))
                    return path
                }
            }
        }
        // Every value the others would have to make is out of their reach.
        if lines.count == written { write(list(pool) + " no") }
        return nil
    }

    /// The previous base's full style, and the fallback of searches over budget: one or two failed
    /// random attempts drawn from a stream seeded by the problem, then the recorded solution and
    /// a check.
    static func guessed(_ p: Problem) throws(SolutionError) -> [String] {
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
