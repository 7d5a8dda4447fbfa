// What every problem family provides: seeded generation with a difficulty knob, and worked
// solutions in several styles. One file per family implements it.
import Seeds
import Exact

// MARK: - Styles

/// How much of the reasoning a worked solution writes out.
public enum SolutionStyle: String, CaseIterable, Sendable, Codable {
    /// An empty think block and the answer.
    case answer
    /// The main steps only (partial products, the reduced fraction, …).
    case brief
    /// Digit-by-digit or partial-product steps, ending with a check.
    case full
}

/// A worked solution cannot be written for this problem (its question is not in the
/// family's format, for example a hand-written line in a problems file).
public struct SolutionError: Error, Sendable, CustomStringConvertible {
    public var problemID: String
    public var reason: String
    public var description: String { "cannot write a solution for \(problemID): \(reason)" }
}

// MARK: - Family protocol

protocol FamilyGenerator {
    /// Every difficulty the family accepts.
    static var difficulties: ClosedRange<Int> { get }
    /// The spread used by default for held-out sets and training.
    static var standardDifficulties: ClosedRange<Int> { get }
    /// Draws one problem of `difficulty`; `shape` goes into the id (e.g. `3x2`).
    static func make(difficulty: Int, rng: inout SeededRandom) -> Draft
    /// The think text (without tags) of a brief solution: the main steps, each taken in one go.
    static func brief(_ problem: Problem) throws(SolutionError) -> String
    /// The lines of a full solution: every step a one-digit fact, or a multi-digit sum, difference,
    /// product or quotient written out digit by digit, ending (where the family has one) with a
    /// check line and its verdict, in `checks`' form. With a slip, one step comes out wrong and
    /// the rest follow.
    static func full(_ problem: Problem, slip: Slip?, checks: CheckForm) throws(SolutionError) -> [String]
    /// Whether a slip in the full solution is always exposed by its check, so repair traces can
    /// be written (`countdown` searches instead; `frac` has no check).
    static var repairs: Bool { get }
    /// The answer a full solution ends with: the recorded one, unless the family's work finds
    /// its own (`countdown`'s search).
    static func fullAnswer(_ problem: Problem) throws(SolutionError) -> String
    /// One of the one-digit facts the full solutions are built from (`7+5+1=13`), drawn
    /// uniformly; nil when the family has none.
    static func drill(rng: inout SeededRandom) -> String?
}

extension FamilyGenerator {
    static func drill(rng: inout SeededRandom) -> String? { nil }
    static var repairs: Bool { true }
    static func fullAnswer(_ problem: Problem) throws(SolutionError) -> String { problem.answer }
}

/// A problem before it has an id.
struct Draft {
    var shape: String
    var question: String
    var answer: String
    var numbers: [Int]? = nil
    var target: Int? = nil
}

extension Family {
    var generator: any FamilyGenerator.Type {
        switch self {
        case .add: return AddFamily.self
        case .sub: return SubFamily.self
        case .mul: return MulFamily.self
        case .div: return DivFamily.self
        case .frac: return FracFamily.self
        case .linear: return LinearFamily.self
        case .countdown: return CountdownFamily.self
        }
    }

    /// Every difficulty this family accepts.
    public var difficulties: ClosedRange<Int> { generator.difficulties }

    /// The default spread for held-out sets and training.
    public var standardDifficulties: ClosedRange<Int> { generator.standardDifficulties }

    /// The lab's standard scope: the families of the held-out set and the default curriculum.
    public static let standard: [Family] = Family.allCases

    /// A one-digit fact of this family's full solutions, or nil (see `FamilyGenerator.drill`).
    public func drill(rng: inout SeededRandom) -> String? { generator.drill(rng: &rng) }

    public var hasDrills: Bool {
        var probe = SeededRandom(seed: 0)
        return generator.drill(rng: &probe) != nil
    }

    /// Problem number `index` of (seed, family, difficulty): a pure function of its arguments,
    /// so any problem can be regenerated on its own.
    public func problem(difficulty: Int, index: Int, seed: UInt64) -> Problem {
        precondition(difficulties.contains(difficulty), "difficulty \(difficulty) outside \(difficulties) for \(rawValue)")
        let familyIndex = UInt64(Family.allCases.firstIndex(of: self)!)
        var rng = SeededRandom(seed: seed, derive: familyIndex, UInt64(difficulty), UInt64(index))
        let d = generator.make(difficulty: difficulty, rng: &rng)
        let id = "\(rawValue)-\(d.shape)-" + String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index)
        return Problem(id: id, family: self, difficulty: difficulty, question: d.question, answer: d.answer,
                       numbers: d.numbers, target: d.target)
    }

    /// `count` problems of one difficulty, indices 0..<count. Same arguments, same problems.
    public func problems(difficulty: Int, count: Int, seed: UInt64) -> [Problem] {
        (0..<count).map { problem(difficulty: difficulty, index: $0, seed: seed) }
    }
}

// MARK: - Worked solutions

extension Problem {
    /// A full response `<think>…</think><answer>…</answer>` in `style`. Every arithmetic claim
    /// it makes is true (the step checker verifies them in the tests). `countdown` picks
    /// countdown's full style: the backward search and how it is written (by default as the
    /// shipped base read it), or random tries before the recorded solution (the previous base's;
    /// see `CorpusMix.countdownSearch`); `checks`, how its check line is written.
    public func solution(style: SolutionStyle, countdown: CountdownStyle = .corpus, checks: CheckForm = .claim) throws(SolutionError) -> String {
        let g = family.generator
        let body: String
        var answer = self.answer
        switch style {
        case .answer: body = ""
        case .brief: body = try g.brief(self)
        case .full where family == .countdown:
            // One search gives both the lines and the expression they end with.
            if countdown.search, let found = CountdownFamily.search(self, countdown) {
                body = found.lines.joined(separator: "\n")
                answer = found.answer
            } else {
                body = try CountdownFamily.guessed(self).joined(separator: "\n")
            }
        case .full:
            body = try g.full(self, slip: nil, checks: checks).joined(separator: "\n")
            answer = try g.fullAnswer(self)
        }
        return "<think>\(body)</think><answer>\(answer)</answer>"
    }

    /// A full solution with a slip and its repair: the work with one step wrong (number
    /// `step` of the slippable ones, modulo their count), its check failing, `wait, redo`, and the
    /// work again, right, to the right answer. Nil when the family writes no repairs.
    public func repairSolution(step: Int, up: Bool, checks: CheckForm = .claim) throws(SolutionError) -> String? {
        guard let (right, steps) = try slippable(checks), let wrong = try slipped(at: step % steps, up: up, checks) else { return nil }
        let body = (wrong + [Reasoning.retry] + right).joined(separator: "\n")
        return "<think>\(body)</think><answer>\(try family.generator.fullAnswer(self))</answer>"
    }

    /// A full solution with a slip its check exposes, answered anyway: the work of
    /// `repairSolution` before its retry, then the answer that work came to, which is wrong.
    /// What careless text does (`CorpusMix.honestWrong`). The slip is step number `step`, or
    /// the first after it (cyclically) that makes the answer wrong: a slip in the check's own
    /// arithmetic fails the check and leaves the answer right. Nil when the family writes no
    /// repairs or no slip makes the answer wrong.
    public func slipSolution(step: Int, up: Bool, checks: CheckForm = .claim) throws(SolutionError) -> String? {
        guard let (_, steps) = try slippable(checks) else { return nil }
        for i in 0..<steps {
            guard let wrong = try slipped(at: (step + i) % steps, up: up, checks),
                  // The answer the work came to: its `x=` line (linear) or its last `so` line.
                  let answer = wrong.last(where: { $0.hasPrefix("x=") }).map({ $0.dropFirst(2) })
                    ?? wrong.last(where: { $0.hasPrefix("so ") }).map({ $0.dropFirst(3) }) else { continue }
            let text = "<think>\(wrong.joined(separator: "\n"))</think><answer>\(answer)</answer>"
            if !Verifier().verify(text, for: self).verdict.isCorrect { return text }
        }
        return nil
    }

    /// The full work without a slip and the number of steps a slip can fall on; nil when the
    /// family writes no repairs.
    private func slippable(_ checks: CheckForm) throws(SolutionError) -> (right: [String], steps: Int)? {
        guard family.generator.repairs else { return nil }
        let counter = Slip(at: .max)
        let right = try family.generator.full(self, slip: counter, checks: checks)
        return counter.calls > 0 ? (right, counter.calls) : nil
    }

    /// The full work with step number `step` slipped, when its check fails.
    private func slipped(at step: Int, up: Bool, _ checks: CheckForm) throws(SolutionError) -> [String]? {
        let slip = Slip(at: step, up: up)
        let wrong = try family.generator.full(self, slip: slip, checks: checks)
        guard slip.happened, Reasoning.marks(in: wrong.joined(separator: "\n")).hasFailedCheck else { return nil }
        return wrong
    }

    func failSolution(_ reason: String) -> SolutionError {
        SolutionError(problemID: id, reason: reason)
    }
}
