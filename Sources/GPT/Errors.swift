// Typed errors of the GPT module: each carries what was expected and what was found.

/// A model configuration that cannot be built.
public enum GPTError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .invalidConfig(let why): return "invalid GPT config: \(why)"
        }
    }
}

/// Text or ids the tokenizer cannot map.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// A character outside the vocabulary, with its index (in Characters) in the input string.
    case unknownCharacter(Character, position: Int)
    /// The vocabulary string lists a character twice.
    case duplicateCharacter(Character)
    /// The vocabulary contains a multi-scalar grapheme (the tokenizer maps single scalars only).
    case multiScalarCharacter(Character)
    /// An id that is not in 0..<vocabSize.
    case idOutOfRange(Int, vocabSize: Int)

    public var description: String {
        switch self {
        case .unknownCharacter(let c, let p):
            return "character \(String(reflecting: String(c))) at position \(p) is not in the vocabulary"
        case .duplicateCharacter(let c): return "vocabulary lists \(String(reflecting: String(c))) twice"
        case .multiScalarCharacter(let c):
            return "vocabulary character \(String(reflecting: String(c))) is more than one Unicode scalar"
        case .idOutOfRange(let id, let v): return "token id \(id) is outside 0..<\(v)"
        }
    }
}

/// A checkpoint that cannot be written or read. Every case names the file.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case io(path: String, message: String)
    /// The file is shorter than its header says (or too short to hold a header).
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The JSON header cannot be parsed or is not a safetensors header.
    case corruptHeader(path: String, reason: String)
    /// A tensor's byte range disagrees with its dtype and shape, or lies outside the data.
    case badTensorRange(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case missingTensor(path: String, tensor: String)
    case unexpectedTensor(path: String, tensor: String)
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    case configMismatch(path: String, expected: GPTConfig, actual: GPTConfig)
    case vocabularyMismatch(path: String, expected: String, actual: String)
    case invalidMeta(path: String, reason: String)
    /// A tensor holds NaN or an infinity: the weights are damaged (or training diverged).
    case nonFinite(path: String, tensor: String, index: Int)

    /// A readable checkpoint of another model than the one expected.
    public var isMismatch: Bool {
        switch self {
        case .configMismatch, .vocabularyMismatch: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .io(let p, let m): return "\(p): \(m)"
        case .truncated(let p, let e, let a): return "\(p): truncated: expected \(e) bytes, found \(a)"
        case .corruptHeader(let p, let r): return "\(p): corrupt safetensors header: \(r)"
        case .badTensorRange(let p, let t, let e, let a):
            return "\(p): tensor \(t) should take \(e) bytes but its data_offsets span \(a)"
        case .unsupportedDType(let p, let t, let d): return "\(p): tensor \(t) has dtype \(d), expected F32"
        case .missingTensor(let p, let t): return "\(p): missing tensor \(t)"
        case .unexpectedTensor(let p, let t): return "\(p): unexpected tensor \(t)"
        case .shapeMismatch(let p, let t, let e, let a):
            return "\(p): tensor \(t) has shape \(a), expected \(e)"
        case .configMismatch(let p, let e, let a): return "\(p): config \(a) does not match expected \(e)"
        case .vocabularyMismatch(let p, let e, let a):
            return "\(p): vocabulary \(String(reflecting: a)) does not match expected \(String(reflecting: e))"
        case .invalidMeta(let p, let r): return "\(p): invalid meta.json: \(r)"
        case .nonFinite(let p, let t, let i): return "\(p): tensor \(t) holds a value that is not finite (NaN or infinite) at index \(i)"
        }
    }
}
