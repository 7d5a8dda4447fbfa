// Exact arithmetic
