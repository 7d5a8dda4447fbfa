// Residual connection: out = a + b, elementwise. Shapes: N elements (B×T×C).

/// out (N) = a (N) + b (N).
public func residualForward(_ out: UnsafeMutablePointer<Float>,
                            _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N { out[i] = a[i] + b[i] }
}

/// da (N) += dout, db (N) += dout.
public func residualBackward(_ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                             _ dout: UnsafePointer<Float>, _ N: Int) {
    for i in 0..<N { da[i] += dout[i]; db[i] += dout[i] }
}
