// Double-precision reference forwards, used only by the tests to check the Float kernels' backward.
import Foundation
import GPT

enum Ref {
    static func matmul(_ x: [Double], _ w: [Double], _ b: [Double]?, _ BT: Int, _ C: Int, _ OC: Int) -> [Double] {
        var out = [Double](repeating: 0, count: BT * OC)
        for r in 0..<BT {
            for o in 0..<OC {
                var s = b?[o] ?? 0
                for i in 0..<C { s += x[r * C + i] * w[i * OC + o] }
                out[r * OC + o] = s
            }
        }
        return out
    }

    static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double]?, _ N: Int, _ C: Int) -> [Double] {
        var out = [Double](repeating: 0, count: N * C)
        for r in 0..<N {
            let row = Array(x[(r * C)..<((r + 1) * C)])
            let m = row.reduce(0, +) / Double(C)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(C)
            let s = 1 / (v + 1e-5).squareRoot()
            for i in 0..<C { out[r * C + i] = (row[i] - m) * s * w[i] + (b?[i] ?? 0) }
        }
        return out
    }

    static func gelu(_ x: [Double]) -> [Double] { x.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) } }

    static func attention(_ qkv: [Double], _ B: Int, _ T: Int, _ C: Int, _ NH: Int) -> [Double] {
        let hs = C / NH
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    func q(_ i: Int) -> Double { qkv[(b * T + t) * 3 * C + h * hs + i] }
                    var s = [Double](repeating: 0, count: t + 1)
                    for j in 0...t {
                        var d = 0.0
                        for i in 0..<hs { d += q(i) * qkv[(b * T + j) * 3 * C + C + h * hs + i] }
                        s[j] = d / Double(hs).squareRoot()
                    }
                    let mx = s.max()!
                    let e = s.map { exp($0 - mx) }
                    let z = e.reduce(0, +)
                    for i in 0..<hs {
                        var acc = 0.0
                        for j in 0...t { acc += e[j] / z * qkv[(b * T + j) * 3 * C + 2 * C + h * hs + i] }
                        out[(b * T + t) * C + h * hs + i] = acc
                    }
                }
            }
        }
        return out
    }

    static func logProb(_ logits: [Double], _ targets: [Int32], _ N: Int, _ V: Int) -> [Double] {
        (0..<N).map { r in
            let row = Array(logits[(r * V)..<((r + 1) * V)])
            let mx = row.max()!
            let lse = mx + log(row.map { exp($0 - mx) }.reduce(0, +))
            return row[Int(targets[r])] - lse
        }
    }

    static func encoder(_ tokens: [Int32], _ wte: [Double], _ wpe: [Double], _ B: Int, _ T: Int, _ C: Int) -> [Double] {
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B { for t in 0..<T { for i in 0..<C {
            out[(b * T + t) * C + i] = wte[Int(tokens[b * T + t]) * C + i] + wpe[t * C + i]
        } } }
        return out
    }

    /// Full model: logits (B,T,V) from flat Double parameters in `layout` order.
    static func logits(_ p: [Double], _ layout: ParameterLayout, _ tokens: [Int32], _ B: Int, _ T: Int) -> [Double] {
        let c = layout.config, C = c.nEmbd, V = c.vocabSize, BT = B * T
        let hf = hidden(p, layout, tokens, B, T)
        let wte = Array(p[layout.wte..<(layout.wte + V * C)])
        var logits = [Double](repeating: 0, count: BT * V)
        for r in 0..<BT { for v in 0..<V {
            var s = 0.0
            for i in 0..<C { s += hf[r * C + i] * wte[v * C + i] }
            logits[r * V + v] = s
        } }
        return logits
    }

    /// The final hidden state (B,T,C): ln_f's output.
    static func hidden(_ p: [Double], _ layout: ParameterLayout, _ tokens: [Int32], _ B: Int, _ T: Int) -> [Double] {
        let c = layout.config, C = c.nEmbd, V = c.vocabSize, BT = B * T
        func t(_ o: Int, _ n: Int) -> [Double] { Array(p[o..<(o + n)]) }
        func tOpt(_ o: Int, _ n: Int) -> [Double]? { o < 0 ? nil : t(o, n) }
        var x = encoder(tokens, t(layout.wte, V * C), t(layout.wpe, c.contextLength * C), B, T, C)
        for l in 0..<c.nLayer {
            let h1 = layerNorm(x, t(layout.ln1w[l], C), tOpt(layout.ln1b[l], C), BT, C)
            let qkv = matmul(h1, t(layout.qkvw[l], C * 3 * C), tOpt(layout.qkvb[l], 3 * C), BT, C, 3 * C)
            let a = attention(qkv, B, T, C, c.nHead)
            let ap = matmul(a, t(layout.attprojw[l], C * C), tOpt(layout.attprojb[l], C), BT, C, C)
            x = zip(x, ap).map { $0 + $1 }
            let h2 = layerNorm(x, t(layout.ln2w[l], C), tOpt(layout.ln2b[l], C), BT, C)
            let f = gelu(matmul(h2, t(layout.fcw[l], C * 4 * C), tOpt(layout.fcb[l], 4 * C), BT, C, 4 * C))
            let fp = matmul(f, t(layout.fcprojw[l], 4 * C * C), tOpt(layout.fcprojb[l], C), BT, 4 * C, C)
            x = zip(x, fp).map { $0 + $1 }
        }
        return layerNorm(x, t(layout.lnfw, C), tOpt(layout.lnfb, C), BT, C)
    }
}
