// The R1-Zero prompt template, adapted to a character model: short, so the context goes to
// reasoning. The response the model writes is `<think>…</think><answer>…</answer>`.

public enum Template {
    /// The text before the model's response.
    public static func prompt(_ question: String) -> String {
        "User: \(question)\nAssistant: "
    }

    /// The tag every response opens with.
    public static let thinkOpen = "<think>"

    /// A whole training document: prompt then response.
    public static func document(question: String, response: String) -> String {
        prompt(question) + response
    }
}
