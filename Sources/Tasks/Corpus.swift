// The pretraining corpus: worked solutions mixed the way text on the internet is: every
// family over a spread of difficulties, solution styles of different length, and a small
// share of wrong solutions. Held-out problems never appear in it.
import Seeds
import Exact

/// How the corpus mixes styles and wrong solutions. Style shares are weights (normalised).
public struct CorpusMix: Codable, Sendable, Equatable {
    /// Bare answers: the most common kind of "solution" text, and the least reliable one.
    public var answer: Double = 0.4
    /// Main steps only.
    public var brief: Double = 0.15
    /// Every step and a check: the style RL should learn to prefer.
    public var full: Double = 0.45
    /// Share of documents with a wrong step and a wrong final answer, as real text has.
    public var wrong: Double = 0.05
    /// Share of full solutions with a slip and its repair: one step wrong, the check exposing it,
    /// `wait, redo`, and the work again to the right answer (families with a check). The seed of
    /// the "aha": text the base model reads; nothing rewards it in pretraining.
    public var repair: Double = 0.05
    /// Wrong full solutions of the families with repairs are a slip carried through the work,
    /// exposed by an honest check (`wrong`) and answered anyway, as careless text is: the
    /// repair traces without their retry (`Problem.slipSolution`). Other wrong documents are
    /// corrupted as without it, but never in a check line. Off, a wrong document has one claim's
    /// result changed, which can be its check's, and its final answer replaced; a failing check
    /// is then always followed by a retry, and a check's result is the question's own number in
    /// all but the repairs: the policies trained from such bases copy that number and say `ok`
    /// (README, "The R1-Zero run"). On, checks are honest, a failing check is followed by a
    /// retry (`repair`) or by an answer, and RL can choose between them.
    public var honestWrong = false
    /// Check lines write the number their claim must come to after it (`CheckForm.compared`:
    /// `check 4735+0803=5538 vs 5538 ok`), so a verdict compares two numbers on its own line.
    /// Off, the line writes the claim alone (`check 4735+0803=5538 ok`) and the number it is
    /// compared with stands in the question: a base pretrained with `honestWrong` then said
    /// `wrong` over true claims equal to the question's number, and its redo was the same work
    /// (README, "Compared checks").
    public var comparedChecks = false
    /// Share of documents that are drill sheets: lines of the one-digit facts full solutions
    /// are built from, like the tables in a school book. A small model needs each fact seen
    /// about a hundred times; inside solutions, facts come a few per document.
    public var drill: Double = 0.2
    /// Facts per drill sheet.
    public var drillLines = 24
    /// Opening lines of worked solutions (brief and full), one drawn uniformly per document, as
    /// people start their working in different words. Spread over several first characters, no
    /// single way of starting to reason is as likely as a bare answer: the base model's greedy
    /// choice is a bare answer while its samples reason on about half the problems, the
    /// starting point R1-Zero had. Without them greedy decoding followed whichever style led.
    public var openers = ["Let me work it out.", "Step by step.", "First the digits.", "OK, carefully."]
    /// Countdown's full solutions search backward from the target, and countdown has drill
    /// lines of the search's whole operations (`CountdownFamily.full`). Off, they are one or two
    /// random tries before the recorded solution, which is what the previous base read
    /// (`checkpoints/previous/base`): its countdown reasoning was right on 5.5% of its samples,
    /// as the solution came from nowhere (README, "Countdown's search").
    public var countdownSearch = true
    /// With `countdownSearch`: each step of the search on a value (`143-75=68`) is worked out
    /// digit by digit first, in the column, product and long-division lines the other families
    /// use (`CountdownFamily.columns`), so the search is built only from facts the base reads
    /// hundreds of times. Off, those steps are whole operations, most read fewer than a hundred
    /// times (`scripts/countdown-facts`).
    public var countdownColumns = true
    /// With `countdownSearch`: the search's bookkeeping written out. Its pools keep the
    /// question's order, less the number each step uses, instead of being sorted, and a pair
    /// line says `no` or `yes` after each value it works out. Off, sorting a pool and matching a
    /// pair's values against the one sought are done in one go, in no line of their own, and
    /// they are where the policies trained from the earlier search bases failed (README,
    /// "Countdown's search").
    public var countdownLedger = true
    /// With `countdownSearch`: the numbers are tried in an order drawn from each problem instead
    /// of largest first, so the search goes back more often and a pair line's `yes` cannot be
    /// told from its place alone. Off: a base pretrained with it did worse.
    public var countdownShuffle = false
    /// Families and difficulties drawn: the standard scope, countdown three times as often as
    /// each other family. Read a seventh of the time, countdown's search did not make a base
    /// from which RL learns it; read a third of the time, it did (+22.5 points where the
    /// equal-weight base gained 6.2). Pretraining only: RL's curriculum is `Curriculum.standard`.
    public var curriculum = Curriculum(entries: Curriculum.standard.entries.map {
        Curriculum.Entry(family: $0.family, difficulties: $0.difficulties, weight: $0.family == .countdown ? 3 : 1)
    })

    public init() {}
}

extension CorpusMix {
    /// Countdown's full style, from the four options.
    public var countdown: CountdownStyle {
        CountdownStyle(search: countdownSearch, columns: countdownColumns, ledger: countdownLedger, shuffle: countdownShuffle)
    }
}

/// One training document: a worked solution to a problem, or a drill sheet.
public struct CorpusDocument: Sendable {
    /// The problem solved; nil for a drill sheet.
    public var problem: Problem?
    public var style: SolutionStyle?
    public var isWrong: Bool
    /// A full solution with a slip and its repair (`CorpusMix.repair`).
    public var isRepair: Bool = false
    /// The R1-Zero prompt; empty for a drill sheet.
    public var prompt: String
    public var response: String
    /// Prompt then response: what the model reads.
    public var text: String { prompt + response }
    public var isDrill: Bool { problem == nil }
}

/// An endless seeded stream of documents. Document `i` depends only on (seed, mix, i, held-out).
public struct CorpusStream: Sendable {
    public let seed: UInt64
    public let mix: CorpusMix
    private var problems: ProblemStream
    public private(set) var position = 0

    public init(seed: UInt64, mix: CorpusMix = CorpusMix(), excluding heldout: [Problem]) {
        self.seed = seed
        self.mix = mix
        problems = ProblemStream(seed: seed, curriculum: mix.curriculum, excluding: heldout)
    }

    public mutating func next() -> CorpusDocument {
        var rng = SeededRandom(seed: seed, derive: 0x434F_5250_5553, UInt64(position))  // "CORPUS"
        position += 1
        if rng.chance(mix.drill), let sheet = mix.drillSheet(rng: &rng) { return sheet }
        while true {
            if let d = mix.document(for: problems.next(), rng: &rng) { return d }
        }
    }

    /// One document per problem (for a held-out loss), each drawn from its own seeded stream.
    public static func documents(for problems: [Problem], seed: UInt64, mix: CorpusMix = CorpusMix()) -> [CorpusDocument] {
        problems.enumerated().compactMap { i, p in
            var rng = SeededRandom(seed: seed, derive: 0x434F_5250_5553, UInt64(i))
            return mix.document(for: p, rng: &rng)
        }
    }
}

extension CorpusMix {
    /// A document for `p`: a style drawn by the mix's shares, corrupted with probability `wrong`;
    /// nil when no solution can be written for it.
    func document(for p: Problem, rng: inout SeededRandom) -> CorpusDocument? {
        let u = rng.unit() * (answer + brief + full)
        let style: SolutionStyle = u < answer ? .answer : (u < answer + brief ? .brief : .full)
        let checks: CheckForm = comparedChecks ? .compared : .claim
        guard var response = try? p.solution(style: style, countdown: countdown, checks: checks) else { return nil }
        var isRepair = false
        if style == .full, rng.chance(repair),
           let repaired = try? p.repairSolution(step: rng.int(below: 1 << 20), up: rng.chance(0.5), checks: checks) {
            response = repaired
            isRepair = true
        }
        var opener: String?
        if style != .answer, !openers.isEmpty, response.hasPrefix(Template.thinkOpen) {
            opener = openers[rng.int(below: openers.count)]
            response = opened(response, opener)
        }
        let isWrong = !isRepair && rng.chance(wrong)
        if isWrong, honestWrong, style == .full,
           let slipped = try? p.slipSolution(step: rng.int(below: 1 << 20), up: rng.chance(0.5), checks: checks) {
            response = opened(slipped, opener)
        } else if isWrong {
            response = Corruption.corrupt(response, problem: p, sparingChecks: honestWrong, rng: &rng)
        }
        return CorpusDocument(problem: p, style: style, isWrong: isWrong, isRepair: isRepair,
                              prompt: Template.prompt(p.question), response: response)
    }
}

/// `response` with `opener` as the first line of its think block.
private func opened(_ response: String, _ opener: String?) -> String {
    guard let opener else { return response }
    return Template.thinkOpen + opener + "\n" + response.dropFirst(Template.thinkOpen.count)
}

extension CorpusMix {
    /// `drillLines` facts, each from a family of the curriculum drawn by weight; nil when no
    /// family in the curriculum has drills.
    func drillSheet(rng: inout SeededRandom) -> CorpusDocument? {
        let entries = curriculum.entries.filter {
            $0.weight > 0 && $0.family.hasDrills && ($0.family != .countdown || countdownSearch)
        }
        guard !entries.isEmpty else { return nil }
        let lines = (0..<drillLines).compactMap { _ in entries.pick(rng: &rng).family.drill(rng: &rng) }
        return CorpusDocument(problem: nil, style: nil, isWrong: false, prompt: "", response: lines.joined(separator: "\n"))
    }
}

/// Makes a worked solution wrong the way people are: one step's result off by a digit, and a
/// final answer that is not the right one.
enum Corruption {
    /// `sparingChecks`: the changed claim is never one of a check line, so no check says `ok`
    /// over a false claim (`CorpusMix.honestWrong`).
    static func corrupt(_ response: String, problem: Problem, sparingChecks: Bool = false, rng: inout SeededRandom) -> String {
        var text = response
        // One claim's result, changed.
        let bytes = Array(text.utf8), checkLine = Array((Reasoning.check + " ").utf8)
        let claims = StepChecker.claims(in: text).filter { c in
            guard sparingChecks else { return true }
            let lineStart = bytes[..<c.utf8Range.lowerBound].lastIndex(of: 10).map { $0 + 1 } ?? 0
            return !bytes[lineStart...].starts(with: checkLine)
        }
        if !claims.isEmpty {
            let c = claims[rng.int(in: 0...(claims.count - 1))]
            if let eq = c.text.lastIndex(of: "="), let v = Rational(c.text[c.text.index(after: eq)...]) {
                let bad = c.text[...eq] + perturb(v, rng: &rng).description
                var edited = bytes
                edited.replaceSubrange(c.utf8Range, with: Array(bad.utf8))
                text = String(decoding: edited, as: UTF8.self)
            }
        }
        // A wrong final answer, in place of the one the response gives (countdown's full
        // solutions find their own expression).
        let answer = Verifier().verify(response, for: problem).answer ?? problem.answer
        let wrong: String
        if problem.family == .countdown {
            // Swap one operator for another, keeping only swaps that miss the target.
            let ops: [Character] = ["+", "-", "*"]
            let a = Array(answer)
            var candidates: [String] = []
            for i in a.indices where ops.contains(a[i]) {
                for o in ops where o != a[i] {
                    var b = a
                    b[i] = o
                    let text = String(b)
                    if (try? ExpressionParser().evaluate(text)) != problem.target.map({ Rational($0) }) { candidates.append(text) }
                }
            }
            wrong = candidates.isEmpty ? answer + "+1" : candidates[rng.int(in: 0...(candidates.count - 1))]
        } else if let v = Rational(answer) {
            wrong = perturb(v, rng: &rng).description
        } else {
            return text
        }
        text = text.replacingAll("so \(answer)\n", with: "so \(wrong)\n")
        text = text.replacingAll("x=\(answer)\n", with: "x=\(wrong)\n")
        return text.replacingAll("<answer>\(answer)</answer>", with: "<answer>\(wrong)</answer>")
    }

    /// A nearby different value: the numerator changed in one digit.
    static func perturb(_ v: Rational, rng: inout SeededRandom) -> Rational {
        let digits = max(1, v.numerator.magnitude.description.count)
        let delta = Rational(rng.int(in: 1...9)) * Rational.powerOfTen(rng.int(in: 0...(digits - 1)))
        let n = rng.chance(0.5) || v.numerator.magnitude < delta ? v.numerator + delta : v.numerator - delta
        return n / v.denominator
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
