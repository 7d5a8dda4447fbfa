// A checkpoint as Hugging Face Transformers loads it: `GPT2LMHeadModel.from_pretrained(DIR)` and
// `AutoTokenizer.from_pretrained(DIR)`. The lab's model is GPT-2's architecture (pre-LayerNorm
// blocks, exact GELU, learned positions, lm_head tied to wte, Conv1D's (in, out) weight layout), so
// the weights map over by name with no transpose; the tokenizer is a character vocabulary.
import Foundation

public enum HuggingFace {
    /// The files of the export directory, by name: config.json, generation_config.json,
    /// model.safetensors, special_tokens_map.json, tokenizer.json, tokenizer_config.json.
    /// `source` and `step` are recorded in config.json's "lab" object.
    public static func files(of model: GPTModel, tokenizer: CharTokenizer, source: String, step: Int) -> [(name: String, data: Data)] {
        let c = model.config
        let specials = [(CharTokenizer.pad, "<pad>"), (CharTokenizer.bos, "<bos>"), (CharTokenizer.eos, "<eos>")]
        let config: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": c.vocabSize, "n_positions": c.contextLength, "n_ctx": c.contextLength,
            "n_embd": c.nEmbd, "n_layer": c.nLayer, "n_head": c.nHead, "n_inner": 4 * c.nEmbd,
            // Exact GELU ("gelu_new" would be GPT-2's tanh approximation, which the lab does not use).
            "activation_function": "gelu", "layer_norm_epsilon": Double(GPTConfig.layerNormEpsilon),
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "initializer_range": 0.02,
            "scale_attn_weights": true, "scale_attn_by_inverse_layer_idx": false, "reorder_and_upcast_attn": false,
            "tie_word_embeddings": true, "use_cache": true, "torch_dtype": "float32",
            "pad_token_id": CharTokenizer.pad, "bos_token_id": CharTokenizer.bos, "eos_token_id": CharTokenizer.eos,
            "lab": ["source": source, "step": step, "bias": c.bias,
                    "note": "exported by lab export; ids 0-2 are <pad>, <bos>, <eos>, then one id per character"],
        ]
        let generation: [String: Any] = ["pad_token_id": CharTokenizer.pad, "bos_token_id": CharTokenizer.bos,
                                         "eos_token_id": CharTokenizer.eos, "do_sample": false, "max_length": c.contextLength]
        let specialMap: [String: Any] = ["pad_token": "<pad>", "bos_token": "<bos>", "eos_token": "<eos>"]
        let tokenizerConfig: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": c.contextLength,
            "pad_token": "<pad>", "bos_token": "<bos>", "eos_token": "<eos>",
            // Spaces are characters of the vocabulary: decoding must not "clean them up".
            "clean_up_tokenization_spaces": false, "padding_side": "left",
        ]
        // One token per character: split the text into single characters (any character, newlines
        // too), look each up in a word-level vocabulary that has no unknown token, so a character
        // outside the vocabulary is an error as it is in the lab, and join them back with no spaces.
        var vocab: [String: Int] = [:]
        for (id, text) in specials { vocab[text] = id }
        for (i, ch) in tokenizer.vocabulary.enumerated() { vocab[String(ch)] = i + CharTokenizer.specialCount }
        let bos = ["id": "<bos>", "ids": [CharTokenizer.bos], "tokens": ["<bos>"]] as [String: Any]
        let tokenizerJSON: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": specials.map { id, text in
                ["id": id, "content": text, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true]
            },
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Split", "pattern": ["Regex": "[\\s\\S]"], "behavior": "Isolated", "invert": false],
            // The lab's prompts start with BOS.
            "post_processor": ["type": "TemplateProcessing",
                               "single": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                               "pair": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                                        ["Sequence": ["id": "B", "type_id": 1]]],
                               "special_tokens": ["<bos>": bos]],
            "decoder": ["type": "Fuse"],
            "model": ["type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"],
        ]
        // The weights under Transformers' names; zero biases stand for a bias-free model's absent ones.
        var tensors = Checkpoint.tensors(of: model).map { t in
            NamedTensor(name: "transformer." + t.name, shape: t.shape, values: t.values)
        }
        if !c.bias {
            var full = c
            full.bias = true
            tensors += ParameterLayout(full).tensors.filter { model.layout.tensor(named: $0.name) == nil }.map {
                NamedTensor(name: "transformer." + $0.name, shape: $0.shape, values: [Float](repeating: 0, count: $0.count))
            }
        }
        func json(_ object: Any) -> Data {
            // Every value above is a JSON type, so this cannot fail.
            try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) + Data("\n".utf8)
        }
        return [("config.json", json(config)), ("generation_config.json", json(generation)),
                ("model.safetensors", SafeTensors.encode(tensors, metadata: ["format": "pt"])),
                ("special_tokens_map.json", json(specialMap)), ("tokenizer.json", json(tokenizerJSON)),
                ("tokenizer_config.json", json(tokenizerConfig))]
    }

    /// Writes the export directory atomically (`Checkpoint.writeDirectory`).
    public static func export(_ loaded: LoadedCheckpoint, source: String, to directory: String) throws(CheckpointError) {
        try Checkpoint.writeDirectory(files(of: loaded.model, tokenizer: loaded.tokenizer, source: source, step: loaded.meta.step),
                                      to: directory)
    }
}
