// Character tokenizer: three special tokens (PAD, BOS, EOS) then one id per vocabulary character.

/// Maps text to token ids one Unicode scalar at a time. Ids 0, 1, 2 are PAD, BOS, EOS; the vocabulary's
/// characters follow in the order given.
public struct CharTokenizer: Sendable, Equatable {
    public static let pad = 0
    public static let bos = 1
    public static let eos = 2
    public static let specialCount = 3

    /// "\n" plus printable ASCII 32...126: 96 characters, 99 ids with the specials.
    public static let defaultVocabulary: String =
        "\n" + String(String.UnicodeScalarView((32...126).compactMap { Unicode.Scalar(UInt32($0)) }))

    /// The characters in id order (id = index + 3).
    public let vocabulary: String
    private let scalars: [Unicode.Scalar]
    private let ascii: [Int32]              // fast path: id for each scalar < 128, -1 if absent
    private let others: [Unicode.Scalar: Int]

    public var vocabSize: Int { CharTokenizer.specialCount + scalars.count }
    public var padID: Int { CharTokenizer.pad }
    public var bosID: Int { CharTokenizer.bos }
    public var eosID: Int { CharTokenizer.eos }

    public init(vocabulary: String = CharTokenizer.defaultVocabulary) throws(TokenizerError) {
        var scalars: [Unicode.Scalar] = []
        var seen: Set<Unicode.Scalar> = []
        for ch in vocabulary {
            guard ch.unicodeScalars.count == 1, let s = ch.unicodeScalars.first else {
                throw .multiScalarCharacter(ch)
            }
            guard seen.insert(s).inserted else { throw .duplicateCharacter(ch) }
            scalars.append(s)
        }
        var ascii = [Int32](repeating: -1, count: 128)
        var others: [Unicode.Scalar: Int] = [:]
        for (i, s) in scalars.enumerated() {
            if s.value < 128 { ascii[Int(s.value)] = Int32(i + CharTokenizer.specialCount) }
            else { others[s] = i + CharTokenizer.specialCount }
        }
        self.vocabulary = vocabulary
        self.scalars = scalars
        self.ascii = ascii
        self.others = others
    }

    public static func == (a: CharTokenizer, b: CharTokenizer) -> Bool { a.vocabulary == b.vocabulary }

    /// Token ids of `text` (no BOS/EOS added). Throws on the first character outside the vocabulary,
    /// naming it and its position (index in Characters).
    public func encode(_ text: String) throws(TokenizerError) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count)
        var position = 0
        for ch in text {
            let us = ch.unicodeScalars
            // "\r\n" and combining sequences are one Character but several scalars: each must be known.
            for s in us {
                let id = s.value < 128 ? Int(ascii[Int(s.value)]) : (others[s] ?? -1)
                guard id >= 0 else { throw .unknownCharacter(ch, position: position) }
                ids.append(id)
            }
            position += 1
        }
        return ids
    }

    /// The text of `ids`. Special tokens decode to nothing (PAD, BOS) or stop nothing (EOS is dropped);
    /// use `decode(_:specials:)` to see them.
    public func decode<S: Sequence>(_ ids: S) throws(TokenizerError) -> String where S.Element == Int {
        try decode(ids, specials: false)
    }

    /// The text of `ids`; with `specials`, PAD/BOS/EOS show as `<pad>`, `<bos>`, `<eos>`.
    public func decode<S: Sequence>(_ ids: S, specials: Bool) throws(TokenizerError) -> String
    where S.Element == Int {
        var out = String.UnicodeScalarView()
        for id in ids {
            guard id >= 0, id < vocabSize else { throw .idOutOfRange(id, vocabSize: vocabSize) }
            if id < CharTokenizer.specialCount {
                if specials { out.append(contentsOf: ["<pad>", "<bos>", "<eos>"][id].unicodeScalars) }
            } else {
                out.append(scalars[id - CharTokenizer.specialCount])
            }
        }
        return String(out)
    }
}
