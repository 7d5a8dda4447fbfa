// The model's randomness is the lab's one seeded generator (Seeds.SeededRandom); GPTRandom is
// its name inside this module.
@_exported import Seeds

public typealias GPTRandom = SeededRandom
