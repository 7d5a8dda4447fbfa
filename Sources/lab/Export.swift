// `lab export`: a checkpoint in the layout Hugging Face Transformers loads.
import ArgumentParser
import Foundation
import GPT

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint as a Hugging Face GPT-2 model directory (weights, config and tokenizer).",
        discussion: """
        DIR gets model.safetensors (the weights under Transformers' names), config.json (GPT-2 with the lab's sizes, \
        exact GELU, LayerNorm ε 1e-5, tied embeddings), generation_config.json and a character tokenizer \
        (tokenizer.json, tokenizer_config.json, special_tokens_map.json: ids 0-2 are <pad>, <bos>, <eos>; the \
        tokenizer adds <bos> as the lab's prompts start with it). GPT2LMHeadModel.from_pretrained(DIR) and \
        AutoTokenizer.from_pretrained(DIR) load it; scripts/check-hf-export checks that Transformers' greedy answers \
        are the lab's. With left-padded batches, pass position_ids (README "Opening a checkpoint in Transformers").

        Example: lab export checkpoints/r1zero/step_000190 --hf out/r1zero-hf
        """)

    @Argument(help: "Checkpoint directory (with model.safetensors and meta.json).")
    var checkpoint: String

    @Option(help: ArgumentHelp("Directory to write (replaced atomically if it exists).", valueName: "DIR"))
    var hf: String

    func run() throws {
        let source = try InputPath.resolve(checkpoint, what: "CHECKPOINT")
        try OutputPath.checkDirectory(hf, flag: "--hf")
        let loaded = try CLIError.loadCheckpoint(source)
        do { try HuggingFace.export(loaded, source: source, to: hf) } catch {
            throw CLIError(message: "\(error)", hint: "--hf takes a directory to create or replace")
        }
        let c = loaded.model.config
        print("wrote \(hf): GPT-2 with \(c.nLayer) layers, \(c.nHead) heads, width \(c.nEmbd), context \(c.contextLength), "
              + "\(c.vocabSize) tokens, from \(source) (step \(loaded.meta.step))")
    }
}
