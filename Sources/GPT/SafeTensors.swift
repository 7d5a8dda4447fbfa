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

    /// Parses a safetensors file's bytes; every inconsistency is a typed error naming `path`. Strict
    /// as the format's specification: a key at most once, integral sizes and offsets, and the
    /// tensors' byte ranges tiling the data exactly (no overlap, no gap, no trailing bytes).
    /// Entries are checked in order of their offsets, so the same file always gives the same error.
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
        // JSONSerialization keeps the last of two equal keys without a word.
        var seen = Set<[UInt8]>()
        for key in topLevelKeys(Array(headerBytes)) where !seen.insert(key).inserted {
            throw .corruptHeader(path: path, reason: "key \(String(decoding: key, as: UTF8.self)) appears twice")
        }
        let dataStart = 8 + n
        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], start: Int, end: Int)] = []
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
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
            let shape = shapeAny.compactMap(integer), offs = offsAny.compactMap(integer)
            guard shape.count == shapeAny.count, offs.count == 2, shape.allSatisfy({ $0 >= 0 }), offs[0] >= 0, offs[1] >= offs[0] else {
                throw .corruptHeader(path: path, reason: "entry \(name) has a shape or data_offsets that are not non-negative integers in order")
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
            entries.append((name, shape, offs[0], offs[1]))
        }
        entries.sort { ($0.start, $0.end, $0.name) < ($1.start, $1.end, $1.name) }
        var end = 0
        for (i, e) in entries.enumerated() {
            if e.start < end {
                throw .corruptHeader(path: path, reason: "tensor \(e.name)'s data_offsets overlap \(entries[i - 1].name)'s")
            }
            if e.start > end { throw .corruptHeader(path: path, reason: "data bytes \(end)..<\(e.start) belong to no tensor") }
            end = e.end
        }
        guard end <= dataSize else { throw .truncated(path: path, expectedBytes: dataStart + end, actualBytes: data.count) }
        guard end == dataSize else { throw .corruptHeader(path: path, reason: "\(dataSize - end) bytes after the last tensor's data") }
        var tensors: [String: NamedTensor] = [:]
        for e in entries {
            var values = [Float](repeating: 0, count: (e.end - e.start) / 4)
            values.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src in
                    if e.end > e.start { dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + e.start)..<(dataStart + e.end)])) }
                }
            }
            tensors[e.name] = NamedTensor(name: e.name, shape: e.shape, values: values)
        }
        return (tensors, metadata)
    }

    /// A JSON number that is an integer (1.5 or 1e300 is not).
    private static func integer(_ x: Any) -> Int? {
        guard let d = (x as? NSNumber)?.doubleValue, d.rounded() == d, abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// The raw bytes of the keys of a JSON object's top level, in order (escapes left as written).
    static func topLevelKeys(_ json: [UInt8]) -> [[UInt8]] {
        var keys: [[UInt8]] = [], depth = 0, i = 0, last: [UInt8]? = nil
        while i < json.count {
            let c = json[i]
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while j < json.count && json[j] != UInt8(ascii: "\"") { j += json[j] == UInt8(ascii: "\\") ? 2 : 1 }
                last = depth == 1 ? Array(json[(i + 1)..<min(j, json.count)]) : nil
                i = j + 1
                continue
            }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ":"): if let k = last { keys.append(k) }
            default: break
            }
            // Only white space may stand between a key and its colon.
            if ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(c) { last = nil }
            i += 1
        }
        return keys
    }
}
