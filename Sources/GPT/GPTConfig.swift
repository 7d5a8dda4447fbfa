// The model's hyperparameters and the flat parameter layout (named offsets into one buffer).
//
// Letters used in shape comments across the GPT module:
// B batch, T time (positions), C channels (nEmbd), V vocabulary, L layers, NH heads, hs head size (C/NH).

// MARK: - GPTConfig

/// Shape of a GPT-2 style model (pre-LayerNorm blocks, exact GELU, learned positions, lm_head tied to wte).
public struct GPTConfig: Codable, Equatable, Sendable {
    /// Number of token ids the model can read and predict; must match the tokenizer's vocabulary size.
    public var vocabSize: Int
    /// Longest sequence (prompt + response) the position table covers; sampling stops there.
    public var contextLength: Int
    /// Transformer blocks; depth is what lets a small model chain several reasoning steps.
    public var nLayer: Int
    /// Attention heads per block; nEmbd must be divisible by it.
    public var nHead: Int
    /// Residual stream width C; the main knob for capacity and cost (cost grows as C²).
    public var nEmbd: Int
    /// Biases in the linear layers and LayerNorms, as in GPT-2 (nanoGPT defaults to false; we keep GPT-2's).
    public var bias: Bool

    /// The ε every LayerNorm adds to the variance (PyTorch's and GPT-2's 1e-5).
    public static let layerNormEpsilon: Float = 1e-5

    public init(vocabSize: Int, contextLength: Int, nLayer: Int, nHead: Int, nEmbd: Int, bias: Bool = true) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.bias = bias
    }

    /// The benchmark's `tiny` model (4 layers, 4 heads, 128 channels, context 64, vocabulary 65).
    public static let tiny = GPTConfig(vocabSize: 65, contextLength: 64, nLayer: 4, nHead: 4, nEmbd: 128)
    /// The benchmark's `small` model (6 layers, 6 heads, 384 channels, context 256, vocabulary 65).
    public static let small = GPTConfig(vocabSize: 65, contextLength: 256, nLayer: 6, nHead: 6, nEmbd: 384)

    /// Head size hs = C / NH.
    public var headSize: Int { nEmbd / nHead }

    /// The most parameters a model may have: 2³¹ Float32 values, 8 GiB, a third of this machine's
    /// memory before gradients and AdamW's two moments take the rest.
    public static let maxParameters = 1 << 31

    /// Parameters of the layout this shape makes, computed in floating point so that no size can
    /// overflow it.
    public var parameterEstimate: Double {
        let V = Double(vocabSize), T = Double(contextLength), L = Double(nLayer), C = Double(nEmbd)
        // Per block: attention 3C² + C², MLP 8C², two LayerNorm scales, and 11C of biases.
        return V * C + T * C + L * (12 * C * C + 2 * C + (bias ? 11 * C : 0)) + (bias ? 2 : 1) * C
    }

    /// Throws unless the shape is usable: positive sizes, C divisible by NH, and a parameter count
    /// within `maxParameters` (so a damaged or absurd meta.json is refused before anything is allocated).
    public func validate() throws(GPTError) {
        guard vocabSize > 0, contextLength > 0, nLayer > 0, nHead > 0, nEmbd > 0 else {
            throw .invalidConfig("all sizes must be positive: \(self)")
        }
        guard nEmbd % nHead == 0 else {
            throw .invalidConfig("nEmbd \(nEmbd) is not divisible by nHead \(nHead)")
        }
        guard parameterEstimate <= Double(Self.maxParameters) else {
            throw .invalidConfig("vocabSize \(vocabSize), contextLength \(contextLength), nLayer \(nLayer), nEmbd \(nEmbd) make "
                                 + String(format: "%.3g parameters (%.3g GB)", parameterEstimate, parameterEstimate * 4 / 1e9)
                                 + ", more than the \(Self.maxParameters) (8 GiB) a model may have")
        }
    }
}

// MARK: - Parameter layout

/// One named tensor inside the flat parameter buffer.
public struct ParameterTensor: Equatable, Sendable {
    /// GPT-2 / nanoGPT name, e.g. `h.0.attn.c_attn.weight`.
    public var name: String
    /// Row-major shape. Linear weights are stored (in, out), like Hugging Face GPT-2's Conv1D.
    public var shape: [Int]
    /// Offset in floats from the start of the flat buffer.
    public var offset: Int
    /// Number of floats.
    public var count: Int { shape.reduce(1, *) }
    /// AdamW decays 2-D tensors (matrices and embeddings) only, as nanoGPT does.
    public var decays: Bool { shape.count >= 2 }
}

/// Offsets of every tensor in the flat parameter buffer. Gradients and Adam moments share it.
///
/// Orientation: every linear weight is stored (in, out) row-major, as Hugging Face GPT-2's `Conv1D`
/// (so `y = x @ W + b` with no transpose, and HF GPT-2 checkpoints map over without transposing).
/// The embeddings are (V, C) and (T, C); the tied lm_head computes `logits = x @ wteᵀ`.
public struct ParameterLayout: Sendable {
    public let config: GPTConfig
    /// All tensors in buffer order.
    public let tensors: [ParameterTensor]
    /// Total number of floats.
    public let count: Int
    private let index: [String: Int]

    // Offsets of the tensors the kernels need, per layer where applicable.
    public let wte: Int, wpe: Int
    public let ln1w: [Int], ln1b: [Int], qkvw: [Int], qkvb: [Int], attprojw: [Int], attprojb: [Int]
    public let ln2w: [Int], ln2b: [Int], fcw: [Int], fcb: [Int], fcprojw: [Int], fcprojb: [Int]
    public let lnfw: Int, lnfb: Int

    public init(_ config: GPTConfig) {
        self.config = config
        let V = config.vocabSize, T = config.contextLength, C = config.nEmbd, L = config.nLayer
        var tensors: [ParameterTensor] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let t = ParameterTensor(name: name, shape: shape, offset: offset)
            tensors.append(t)
            offset += t.count
            return t.offset
        }
        func addBias(_ name: String, _ n: Int) -> Int { config.bias ? add(name, [n]) : -1 }
        wte = add("wte.weight", [V, C])
        wpe = add("wpe.weight", [T, C])
        var a = [[Int]](repeating: [], count: 12)
        for l in 0..<L {
            let p = "h.\(l)."
            a[0].append(add(p + "ln_1.weight", [C]))
            a[1].append(addBias(p + "ln_1.bias", C))
            a[2].append(add(p + "attn.c_attn.weight", [C, 3 * C]))
            a[3].append(addBias(p + "attn.c_attn.bias", 3 * C))
            a[4].append(add(p + "attn.c_proj.weight", [C, C]))
            a[5].append(addBias(p + "attn.c_proj.bias", C))
            a[6].append(add(p + "ln_2.weight", [C]))
            a[7].append(addBias(p + "ln_2.bias", C))
            a[8].append(add(p + "mlp.c_fc.weight", [C, 4 * C]))
            a[9].append(addBias(p + "mlp.c_fc.bias", 4 * C))
            a[10].append(add(p + "mlp.c_proj.weight", [4 * C, C]))
            a[11].append(addBias(p + "mlp.c_proj.bias", C))
        }
        lnfw = add("ln_f.weight", [C])
        let lnfbOffset = addBias("ln_f.bias", C)
        self.tensors = tensors
        self.count = offset
        var idx: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { idx[t.name] = i }
        self.index = idx
        // Bias-free models have no bias tensors; their offsets are -1 and the kernels get nil.
        ln1w = a[0]; ln1b = a[1]; qkvw = a[2]; qkvb = a[3]; attprojw = a[4]; attprojb = a[5]
        ln2w = a[6]; ln2b = a[7]; fcw = a[8]; fcb = a[9]; fcprojw = a[10]; fcprojb = a[11]
        lnfb = lnfbOffset
    }

    /// The tensor with this name, or nil.
    public func tensor(named name: String) -> ParameterTensor? {
        index[name].map { tensors[$0] }
    }

    /// Parameters excluding the position table (nanoGPT's count for the FLOP estimate).
    public var countWithoutPositions: Int { count - config.contextLength * config.nEmbd }
}
