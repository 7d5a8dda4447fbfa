// A scalar value head on a model's final hidden state: v = h·w + b per position, the critic of
// PPO (verl's and OpenRLHF's critic is the same: a linear layer from the last hidden state to one
// number). Its parameters are one flat buffer [w (C), b (1)], so AdamW and checkpoints treat it
// like the model. Letters: N positions, C channels.
import Foundation

public final class ValueHead {
    public let channels: Int
    /// [w (C), b]: the weights, then the bias.
    public let params: FloatBuffer
    /// Gradients, same layout; `backward` accumulates, `zeroGrad` clears.
    public let grads: FloatBuffer

    /// A fresh head: w ~ N(0, std), b = 0. A small std keeps the first values near 0, so the
    /// critic starts as an uninformative baseline rather than a random one.
    public init(channels: Int, seed: UInt64, std: Float = 1e-3) {
        self.channels = channels
        params = FloatBuffer(count: channels + 1)
        grads = FloatBuffer(count: channels + 1)
        var rng = GPTRandom(seed: seed)
        for i in 0..<channels { params[i] = rng.normalFloat(std: std) }
    }

    /// A head with the given parameters ([w (C), b]).
    public init(channels: Int, parameters: [Float]) throws(GPTError) {
        guard parameters.count == channels + 1 else {
            throw .invalidConfig("a value head over \(channels) channels has \(channels + 1) parameters, got \(parameters.count)")
        }
        self.channels = channels
        params = FloatBuffer(parameters)
        grads = FloatBuffer(count: channels + 1)
    }

    public func zeroGrad() { grads.zero() }

    /// values (N) = hidden (N,C) · w + b.
    public func forward(hidden: [Float]) -> [Float] {
        let C = channels, N = hidden.count / C
        precondition(hidden.count == N * C, "hidden must be N×C")
        let w = params.base, b = params[C]
        return hidden.withUnsafeBufferPointer { h in
            (0..<N).map { n in dot(h.baseAddress! + n * C, w, C) + b }
        }
    }

    /// Accumulates dw += Σ dValues[n]·hidden[n], db += Σ dValues[n]; returns dHidden (N,C) = dValues ⊗ w.
    public func backward(dValues: [Float], hidden: [Float]) -> [Float] {
        let C = channels, N = dValues.count
        precondition(hidden.count == N * C, "hidden must be N×C")
        let w = params.base, gw = grads.base
        var dHidden = [Float](repeating: 0, count: N * C)
        var db: Float = 0
        hidden.withUnsafeBufferPointer { h in
            for n in 0..<N where dValues[n] != 0 {
                let d = dValues[n]
                axpy(d, h.baseAddress! + n * C, gw, C)
                for c in 0..<C { dHidden[n * C + c] = d * w[c] }
                db += d
            }
        }
        grads[C] += db
        return dHidden
    }
}
