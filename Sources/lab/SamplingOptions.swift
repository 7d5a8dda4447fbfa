// The sampling flags `train`, `eval`, `sample` and `traces` share, declared once with one meaning
// each: --temperature T (0: greedy, always the most likely token), --top-p P, --max-length N
// generated characters. A command chooses its defaults and what it refuses on top (training
// cannot be greedy; eval's --temperature is that of its --samples k pass).
import ArgumentParser

struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature (0: greedy, the most likely token each time; default 1).")
    var temperature: Float?

    @Option(help: "Nucleus sampling: sample from the most likely tokens that hold this much probability (1: all; default 1).")
    var topP: Float?

    @Option(help: "Most generated characters per response.")
    var maxLength: Int?

    func validate() throws {
        if let t = temperature, !(t >= 0 && t.isFinite) {
            throw ValidationError("--temperature must be 0 (greedy) or more, and finite; got \(t)")
        }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1]; got \(p)") }
        if let m = maxLength, m < 1 { throw ValidationError("--max-length must be at least 1; got \(m)") }
    }
}
