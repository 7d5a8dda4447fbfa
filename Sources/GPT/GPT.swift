// Character-level GPT engine (placeholder until the model lands).
enum GPTPlaceholder {}
