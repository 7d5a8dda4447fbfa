// Minimal safetensors reader/writer (F32 only): 8-byte little-endian header length, JSON header with
// dtype/shape/data_offsets (and optional `__metadata__` of strings), then the raw little-endian data.
import Foundation

#if _endian(big)
#error("safetensors I/O assumes a little-endian host")
#endif

/// One F32 tensor read from or written to a safetensors file.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }
}

public enum SafeTensors {
    /// The file's bytes for these tensors (in order) and metadata. Header padded with spaces to 8 bytes.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            precondition(t.values.count == t.shape.reduce(1, *), "tensor \(t.name): shape does not match values")
            let n = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + n]] as [String: Any]
            offset += n
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        // Sorted keys keep files byte-identical for identical content.
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(json)
        for t in tensors { t.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// Parses a safetensors file's bytes; every inconsistency is a typed error naming `path`.
    public static func decode(_ data: Data, path: String) throws(CheckpointError) -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw .truncated(path: path, expectedBytes: 8, actualBytes: data.count) }
        let n64 = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard n64 <= UInt64(Int.max - 8), 8 + Int(n64) <= data.count else {
            throw .truncated(path: path, expectedBytes: n64 > UInt64(Int.max - 8) ? Int.max : 8 + Int(n64), actualBytes: data.count)
        }
        let n = Int(n64)
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + n))
        guard let obj = try? JSONSerialization.jsonObject(with: headerBytes), let header = obj as? [String: Any] else {
            throw .corruptHeader(path: path, reason: "header is not a JSON object")
        }
        let dataStart = 8 + n
        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var tensors: [String: NamedTensor] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw .corruptHeader(path: path, reason: "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw .corruptHeader(path: path, reason: "__metadata__[\(k)] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offsAny = info["data_offsets"] as? [Any], offsAny.count == 2 else {
                throw .corruptHeader(path: path, reason: "entry \(name) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw .unsupportedDType(path: path, tensor: name, dtype: dtype) }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offs = offsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, offs.count == 2, shape.allSatisfy({ $0 >= 0 }), offs[0] >= 0, offs[1] >= offs[0] else {
                throw .corruptHeader(path: path, reason: "entry \(name) has a malformed shape or data_offsets")
            }
            var count = 1
            for d in shape {
                let (m, o) = count.multipliedReportingOverflow(by: d)
                guard !o, m < Int.max / 8 else { throw .corruptHeader(path: path, reason: "entry \(name) is too large") }
                count = m
            }
            guard offs[1] - offs[0] == count * 4 else {
                throw .badTensorRange(path: path, tensor: name, expectedBytes: count * 4, actualBytes: offs[1] - offs[0])
            }
            guard offs[1] <= dataSize else {
                throw .truncated(path: path, expectedBytes: dataStart + offs[1], actualBytes: data.count)
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src in
                    if count > 0 {
                        dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + offs[0])..<(dataStart + offs[1])]))
                    }
                }
            }
            tensors[name] = NamedTensor(name: name, shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}
