// The held-out set and the training stream that never yields a held-out problem.
import Seeds

// MARK: - Held-out set

/// The committed held-out problems: for every family, `perFamily` problems spread evenly over
/// its standard difficulties, from their own seed.
public struct HeldoutSet: Sendable {
    public static let defaultSeed: UInt64 = 20_261_122
    public static let defaultPath = "problems/heldout.jsonl"
    /// 240 = 6 × 5 × 4 × 2: every family's standard difficulties (6, 5, 4 or 2 of them) get the
    /// same count.
    public static let defaultPerFamily = 240

    public let seed: UInt64
    public let perFamily: Int
    public let problems: [Problem]

    public init(seed: UInt64 = defaultSeed, perFamily: Int = defaultPerFamily) {
        self.seed = seed
        self.perFamily = perFamily
        var out: [Problem] = []
        for family in Family.standard {
            var seen = Set<String>()
            let ds = Array(family.standardDifficulties)
            var index = 0
            while seen.count < perFamily {
                let d = ds[seen.count % ds.count]
                let p = family.problem(difficulty: d, index: index, seed: seed)
                index += 1
                // Small difficulties have few distinct problems; keep the set free of repeats.
                if seen.insert(p.canonicalKey).inserted { out.append(p) }
                if index > 100 * perFamily { break }
            }
        }
        problems = out
    }

    public var jsonl: String { problems.map { $0.jsonLine + "\n" }.joined() }
    public var sha256: String { SHA256.hex(Array(jsonl.utf8)) }

    public static func manifestPath(for path: String) -> String {
        (path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path) + ".manifest.json"
    }

    /// seed, counts per family and difficulty, sha256 of the file, and the command that remakes it.
    public func manifest(file: String) -> String {
        var counts: [String: JSONValue] = [:]
        for family in Family.standard {
            var byDifficulty: [String: JSONValue] = [:]
            for p in problems where p.family == family {
                byDifficulty[String(p.difficulty)] = .int((byDifficulty[String(p.difficulty)]?.intValue ?? 0) + 1)
            }
            counts[family.rawValue] = .object(byDifficulty)
        }
        return JSONValue.object(ordered: [
            ("file", .string(file)),
            ("seed", .unsigned(seed)),
            ("per_family", .int(perFamily)),
            ("count", .int(problems.count)),
            ("counts", .object(counts)),
            ("sha256", .string(sha256)),
            ("command", .string("lab problems heldout --seed \(seed) --per-family \(perFamily) --out \(file)")),
        ]) + "\n"
    }
}

// MARK: - Training stream

/// Which families and difficulties the stream draws, with what weight.
public struct Curriculum: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public var family: Family
        public var difficulties: ClosedRange<Int>
        public var weight: Double

        public init(family: Family, difficulties: ClosedRange<Int>, weight: Double = 1) {
            self.family = family
            self.difficulties = difficulties
            self.weight = weight
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The curriculum in `init(spec:)`'s words: `add:1-6,mul:1-3@2`.
    public var spec: String {
        entries.map { e in
            "\(e.family.rawValue):\(e.difficulties.lowerBound)-\(e.difficulties.upperBound)"
                + (e.weight == 1 ? "" : "@" + String(format: "%g", e.weight))
        }.joined(separator: ",")
    }

    /// Parses `add:1-6,mul:1-3@2`: families, optional LOW-HIGH difficulties (default: the
    /// standard ones) and optional weights (default 1).
    public init(spec: String) throws(InputFileError) {
        func fail(_ item: Substring, _ why: String) -> InputFileError {
            InputFileError(path: "curriculum", message: "cannot read \"\(item)\": \(why)")
        }
        var entries: [Entry] = []
        for item in spec.split(separator: ",") {
            let pieces = item.split(separator: "@", omittingEmptySubsequences: false)
            let parts = pieces[0].split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2, parts.count <= 2, let family = Family(rawValue: String(parts[0])) else {
                throw fail(item, "expected FAMILY[:LOW-HIGH][@WEIGHT], FAMILY one of \(Family.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let weight = pieces.count == 2 ? Double(pieces[1]) : 1, weight >= 0, weight.isFinite else {
                throw fail(item, "the weight after @ must be a number ≥ 0")
            }
            var range = family.standardDifficulties
            if parts.count == 2 {
                let bounds = parts[1].split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
                guard bounds.count == 1 || bounds.count == 2, bounds[0] <= bounds.last! else {
                    throw fail(item, "difficulties must be LOW-HIGH with LOW ≤ HIGH")
                }
                range = bounds[0]...bounds.last!
            }
            guard family.difficulties.contains(range.lowerBound), family.difficulties.contains(range.upperBound) else {
                throw fail(item, "\(family.rawValue) difficulties lie in \(family.difficulties)")
            }
            entries.append(Entry(family: family, difficulties: range, weight: weight))
        }
        guard !entries.isEmpty, entries.contains(where: { $0.weight > 0 }) else {
            throw InputFileError(path: "curriculum", message: "needs at least one family with a positive weight")
        }
        self.init(entries: entries)
    }

    /// The standard families over their standard difficulties, equal weights.
    public static let standard = Curriculum(entries: Family.standard.map {
        Entry(family: $0, difficulties: $0.standardDifficulties)
    })
}

extension Array where Element == Curriculum.Entry {
    /// An entry drawn with probability proportional to its weight (one uniform draw).
    func pick(rng: inout SeededRandom) -> Curriculum.Entry {
        var u = rng.unit() * reduce(0) { $0 + $1.weight }
        for e in self {
            if u < e.weight { return e }
            u -= e.weight
        }
        return self[count - 1]
    }
}

/// An endless, seeded stream of training problems that skips every problem whose canonical
/// question is in the held-out keys. Problem `i` is a pure function of (seed, curriculum, i,
/// held-out keys), so a run that resumes at index `i` sees exactly what it would have seen.
public struct ProblemStream: Sendable {
    public let seed: UInt64
    public let curriculum: Curriculum
    public let excluded: Set<String>
    /// How many problems were drawn, held-out ones included: the stream's whole state.
    public private(set) var draws: Int = 0
    /// How many draws were skipped because they were held out.
    public private(set) var skipped: Int = 0
    /// How many problems the stream has yielded.
    public var position: Int { draws - skipped }

    public init(seed: UInt64, curriculum: Curriculum = .standard, excluding heldout: [Problem] = []) {
        precondition(!curriculum.entries.isEmpty && curriculum.entries.allSatisfy { $0.weight >= 0 })
        self.seed = seed
        self.curriculum = curriculum
        self.excluded = Set(heldout.map(\.canonicalKey))
    }

    /// Restores a stream saved from `draws` and `skipped`.
    public init(seed: UInt64, curriculum: Curriculum, excluding heldout: [Problem], draws: Int, skipped: Int) {
        self.init(seed: seed, curriculum: curriculum, excluding: heldout)
        self.draws = draws
        self.skipped = skipped
    }

    public mutating func next() -> Problem {
        while true {
            let draw = draws
            draws += 1
            var rng = SeededRandom(seed: seed, derive: 0x5354_5245_414D, UInt64(draw))  // "STREAM"
            let entry = curriculum.entries.pick(rng: &rng)
            let d = rng.int(in: entry.difficulties)
            let p = entry.family.problem(difficulty: d, index: draw, seed: seed)
            if excluded.contains(p.canonicalKey) { skipped += 1; continue }
            return p
        }
    }
}

extension Array where Element == Problem {
    /// At most `count` problems taken evenly from every family present, in file order: a fixed
    /// slice that covers every family and, since held-out files cycle through difficulties, a
    /// spread of difficulties.
    public func spread(_ count: Int) -> [Problem] {
        let families = Family.allCases.filter { f in contains { $0.family == f } }
        guard !families.isEmpty else { return [] }
        let each = Swift.max(1, count / families.count)
        return families.flatMap { f in filter { $0.family == f }.prefix(each) }
    }
}
