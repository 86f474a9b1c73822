using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>One field of a protobuf message as it sits on the wire: its number, wire type and value.</summary>
internal sealed record ProtoField(int Number, int WireType, ulong Varint, byte[] Bytes)
{
    public const int VarintType = 0;
    public const int Fixed64Type = 1;
    public const int LengthType = 2;
    public const int Fixed32Type = 5;

    public static ProtoField Length(int number, byte[] bytes) => new(number, LengthType, 0, bytes);

    public static ProtoField Number64(int number, long value) => new(number, VarintType, unchecked((ulong)value), []);
}

/// <summary>
/// Just enough protobuf to take an ONNX model apart and put it back: a message is a list of fields; a field that is a
/// message (graph, node, attribute, tensor) is parsed again from its bytes. Unknown wire types end the parse, so this
/// only reads what ONNX writes (varint, 64-bit, length-delimited, 32-bit).
/// </summary>
internal static class Proto
{
    public static List<ProtoField> Parse(ReadOnlySpan<byte> message)
    {
        var fields = new List<ProtoField>();
        var i = 0;
        while (i < message.Length)
        {
            var tag = ReadVarint(message, ref i);
            var number = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case ProtoField.VarintType:
                    fields.Add(new ProtoField(number, wire, ReadVarint(message, ref i), []));
                    break;
                case ProtoField.Fixed64Type:
                    fields.Add(new ProtoField(number, wire, 0, message.Slice(i, 8).ToArray()));
                    i += 8;
                    break;
                case ProtoField.LengthType:
                    var length = (int)ReadVarint(message, ref i);
                    fields.Add(new ProtoField(number, wire, 0, message.Slice(i, length).ToArray()));
                    i += length;
                    break;
                case ProtoField.Fixed32Type:
                    fields.Add(new ProtoField(number, wire, 0, message.Slice(i, 4).ToArray()));
                    i += 4;
                    break;
                default:
                    throw new FormatException($"wire type {wire} at byte {i}");
            }
        }

        return fields;
    }

    public static byte[] Encode(IEnumerable<ProtoField> fields)
    {
        using var stream = new MemoryStream();
        foreach (var field in fields)
        {
            WriteVarint(stream, ((ulong)field.Number << 3) | (uint)field.WireType);
            switch (field.WireType)
            {
                case ProtoField.VarintType:
                    WriteVarint(stream, field.Varint);
                    break;
                case ProtoField.LengthType:
                    WriteVarint(stream, (ulong)field.Bytes.Length);
                    stream.Write(field.Bytes);
                    break;
                default:
                    stream.Write(field.Bytes);
                    break;
            }
        }

        return stream.ToArray();
    }

    public static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[i++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }
}

/// <summary>What a mutant did to the model.</summary>
internal enum MutationKind
{
    ByteFlips,
    Truncation,
    TopLevelFieldDropped,
    TopLevelFieldDoubled,
    VersionExtreme,
    OpsetChanged,
    LengthPrefixBroken,
    NodeDropped,
    NodeDoubled,
    NodesSwapped,
    OpTypeChanged,
    AttributeIntChanged,
    NodeEdgeRenamed,
    InitializerDropped,
    InitializerDimsChanged,
    InitializerTypeChanged,
    InitializerDataTruncated,
    GraphInputOrOutputDropped,
    DocStringAdded,
}

/// <summary>One mutant of the reference model.</summary>
internal sealed record OnnxMutant(int Seed, MutationKind Kind, string Detail, byte[] Model);

/// <summary>
/// Mutants of an ONNX model for the malformed-model campaign: byte flips and truncation, and edits that respect the
/// protobuf (so ONNX Runtime's parser accepts them and the graph checker, the kernels or the self-test have to refuse
/// them): fields of the model, the graph, its nodes, their attributes and the initializers (dims, types, data) dropped,
/// doubled, swapped or changed. Deterministic by seed.
/// </summary>
/// <remarks>
/// ModelProto: 1 ir_version, 7 graph, 8 opset_import {1 domain, 2 version}. GraphProto: 1 node, 5 initializer,
/// 11 input, 12 output. NodeProto: 1 input, 2 output, 3 name, 4 op_type, 5 attribute {1 name, 3 i, 8 ints, 20 type}.
/// TensorProto: 1 dims, 2 data_type, 8 name, 9 raw_data (onnx/onnx.proto3).
/// </remarks>
internal static class OnnxMutator
{
    private static readonly string[] OpTypes = ["Relu", "Conv", "Gemm", "Softmax", "ReduceMean", "Reshape", "MatMul", "Identity", "NoSuchOp", "", "Loop", "Split"];
    private static readonly long[] ExtremeInts = [0, -1, 1, 2, 3, 7, 1 << 20, int.MaxValue, long.MaxValue, long.MinValue, -(1L << 40), 1L << 40];

    public static OnnxMutant Mutate(byte[] model, int seed)
    {
        var random = new Random(seed);
        var kinds = Enum.GetValues<MutationKind>();
        var kind = kinds[random.Next(kinds.Length)];
        var (detail, bytes) = Apply(model, kind, random);
        return new OnnxMutant(seed, kind, detail, bytes);
    }

    /// <summary>Writes a package beside <paramref name="reference"/>'s golden samples: the mutant and a manifest carrying its sha256.</summary>
    /// <remarks>The manifest's hash is the mutant's, so every mutant gets past the hash check and reaches ONNX Runtime.</remarks>
    public static string WritePackage(string reference, OnnxMutant mutant, string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "golden"));
        foreach (var golden in Directory.EnumerateFiles(Path.Combine(reference, "golden")))
        {
            File.Copy(golden, Path.Combine(folder, "golden", Path.GetFileName(golden)), overwrite: true);
        }

        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), mutant.Model);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(reference, "model.json")))!.AsObject();
        manifest["sha256"] = Convert.ToHexStringLower(SHA256.HashData(mutant.Model));
        manifest["version"] = $"1.0.0-mutant.{mutant.Seed}";
        File.WriteAllText(Path.Combine(folder, "model.json"), manifest.ToJsonString());
        return folder;
    }

    private static (string Detail, byte[] Model) Apply(byte[] model, MutationKind kind, Random random)
    {
        var top = Proto.Parse(model);
        var graphIndex = top.FindIndex(f => f.Number == 7);
        var graph = Proto.Parse(top[graphIndex].Bytes);
        switch (kind)
        {
            case MutationKind.ByteFlips:
            {
                var copy = (byte[])model.Clone();
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips; i++)
                {
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                }

                return ($"{flips} bit(s) flipped", copy);
            }

            case MutationKind.Truncation:
            {
                // Half the cuts in the first 4 KiB, where the structure is; the rest anywhere.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(4096, model.Length)) : random.Next(model.Length);
                return ($"cut at byte {at} of {model.Length}", model[..at]);
            }

            case MutationKind.TopLevelFieldDropped:
            {
                var i = random.Next(top.Count);
                var field = top[i];
                top.RemoveAt(i);
                return ($"model field {field.Number} dropped", Proto.Encode(top));
            }

            case MutationKind.TopLevelFieldDoubled:
            {
                var i = random.Next(top.Count);
                top.Insert(i, top[i]);
                return ($"model field {top[i].Number} doubled", Proto.Encode(top));
            }

            case MutationKind.VersionExtreme:
            {
                var value = ExtremeInts[random.Next(ExtremeInts.Length)];
                var i = top.FindIndex(f => f.Number == 1);
                top[i] = ProtoField.Number64(1, value);
                return ($"ir_version {value}", Proto.Encode(top));
            }

            case MutationKind.OpsetChanged:
            {
                var value = ExtremeInts[random.Next(ExtremeInts.Length)];
                var i = top.FindIndex(f => f.Number == 8);
                var opset = Proto.Parse(top[i].Bytes);
                var version = opset.FindIndex(f => f.Number == 2);
                if (version < 0)
                {
                    opset.Add(ProtoField.Number64(2, value));
                }
                else
                {
                    opset[version] = ProtoField.Number64(2, value);
                }

                if (random.Next(3) == 0)
                {
                    opset.Add(ProtoField.Length(1, Encoding.UTF8.GetBytes("ai.onnx.ml")));
                }

                top[i] = ProtoField.Length(8, Proto.Encode(opset));
                return ($"opset version {value}", Proto.Encode(top));
            }

            case MutationKind.LengthPrefixBroken:
            {
                // A length-delimited field whose prefix claims more or fewer bytes than follow: re-encode by hand.
                var i = random.Next(graph.Count);
                var field = graph[i];
                var delta = random.Next(2) == 0 ? -random.Next(1, 16) : random.Next(1, 1 << 20);
                using var stream = new MemoryStream();
                stream.Write(Proto.Encode(graph.Take(i)));
                Proto.WriteVarint(stream, ((ulong)field.Number << 3) | ProtoField.LengthType);
                Proto.WriteVarint(stream, (ulong)Math.Max(0, field.Bytes.Length + delta));
                stream.Write(field.Bytes);
                stream.Write(Proto.Encode(graph.Skip(i + 1)));
                top[graphIndex] = ProtoField.Length(7, stream.ToArray());
                return ($"graph field {field.Number} (#{i}) length off by {delta}", Proto.Encode(top));
            }

            case MutationKind.GraphInputOrOutputDropped:
            {
                var which = random.Next(2) == 0 ? 11 : 12;
                graph.RemoveAll(f => f.Number == which);
                return ($"graph {(which == 11 ? "input" : "output")} dropped", WithGraph(top, graphIndex, graph));
            }

            case MutationKind.DocStringAdded:
                // Benign: a model with a doc string is the same model (a control that should pass).
                graph.Add(ProtoField.Length(10, Encoding.UTF8.GetBytes("mutant " + random.Next())));
                return ("graph doc_string added", WithGraph(top, graphIndex, graph));

            case MutationKind.InitializerDropped or MutationKind.InitializerDimsChanged or MutationKind.InitializerTypeChanged or MutationKind.InitializerDataTruncated:
                return MutateInitializer(top, graphIndex, graph, kind, random);

            default:
                return MutateNode(top, graphIndex, graph, kind, random);
        }
    }

    private static (string, byte[]) MutateNode(List<ProtoField> top, int graphIndex, List<ProtoField> graph, MutationKind kind, Random random)
    {
        var nodes = graph.Select((f, i) => (f, i)).Where(x => x.f.Number == 1).Select(x => x.i).ToList();
        var index = nodes[random.Next(nodes.Count)];
        var node = Proto.Parse(graph[index].Bytes);
        var opType = Encoding.UTF8.GetString(node.First(f => f.Number == 4).Bytes);
        string detail;
        switch (kind)
        {
            case MutationKind.NodeDropped:
                graph.RemoveAt(index);
                return ($"node {opType} #{index} dropped", WithGraph(top, graphIndex, graph));
            case MutationKind.NodeDoubled:
                graph.Insert(index, graph[index]);
                return ($"node {opType} #{index} doubled", WithGraph(top, graphIndex, graph));
            case MutationKind.NodesSwapped:
            {
                var other = nodes[random.Next(nodes.Count)];
                (graph[index], graph[other]) = (graph[other], graph[index]);
                return ($"nodes #{index} and #{other} swapped", WithGraph(top, graphIndex, graph));
            }

            case MutationKind.OpTypeChanged:
            {
                var to = OpTypes[random.Next(OpTypes.Length)];
                node[node.FindIndex(f => f.Number == 4)] = ProtoField.Length(4, Encoding.UTF8.GetBytes(to));
                detail = $"node #{index} {opType} -> {(to.Length == 0 ? "\"\"" : to)}";
                break;
            }

            case MutationKind.AttributeIntChanged:
            {
                var attributes = node.Select((f, i) => (f, i)).Where(x => x.f.Number == 5).Select(x => x.i).ToList();
                if (attributes.Count == 0)
                {
                    node.Add(ProtoField.Length(5, Proto.Encode([ProtoField.Length(1, "group"u8.ToArray()), ProtoField.Number64(3, 0), ProtoField.Number64(20, 2)])));
                    detail = $"node #{index} {opType} given group=0";
                    break;
                }

                var at = attributes[random.Next(attributes.Count)];
                var attribute = Proto.Parse(node[at].Bytes);
                var name = Encoding.UTF8.GetString(attribute.FirstOrDefault(f => f.Number == 1)?.Bytes ?? []);
                var value = ExtremeInts[random.Next(ExtremeInts.Length)];
                var single = attribute.FindIndex(f => f.Number == 3);
                if (single >= 0)
                {
                    attribute[single] = ProtoField.Number64(3, value);
                }
                else
                {
                    // A list attribute (kernel_shape, pads, strides, dilations, axes): one element changed, or one dropped.
                    var items = attribute.Select((f, i) => (f, i)).Where(x => x.f.Number == 8).Select(x => x.i).ToList();
                    if (items.Count > 0 && random.Next(4) == 0)
                    {
                        attribute.RemoveAt(items[random.Next(items.Count)]);
                    }
                    else if (items.Count > 0)
                    {
                        var item = items[random.Next(items.Count)];
                        attribute[item] = attribute[item].WireType == ProtoField.LengthType
                            ? ProtoField.Length(8, PackedWith(attribute[item].Bytes, value, random))
                            : ProtoField.Number64(8, value);
                    }
                    else
                    {
                        attribute.Add(ProtoField.Number64(3, value));
                    }
                }

                node[at] = ProtoField.Length(5, Proto.Encode(attribute));
                detail = $"node #{index} {opType} attribute {name} -> {value}";
                break;
            }

            default: // NodeEdgeRenamed
            {
                var edges = node.Select((f, i) => (f, i)).Where(x => x.f.Number is 1 or 2).Select(x => x.i).ToList();
                var at = edges[random.Next(edges.Count)];
                var renamed = random.Next(3) switch
                {
                    0 => "",
                    1 => "dangling_" + random.Next(1000),
                    _ => "image",
                };
                var field = node[at].Number;
                node[at] = ProtoField.Length(field, Encoding.UTF8.GetBytes(renamed));
                detail = $"node #{index} {opType} {(field == 1 ? "input" : "output")} renamed to \"{renamed}\"";
                break;
            }
        }

        graph[index] = ProtoField.Length(1, Proto.Encode(node));
        return (detail, WithGraph(top, graphIndex, graph));
    }

    private static (string, byte[]) MutateInitializer(List<ProtoField> top, int graphIndex, List<ProtoField> graph, MutationKind kind, Random random)
    {
        var initializers = graph.Select((f, i) => (f, i)).Where(x => x.f.Number == 5).Select(x => x.i).ToList();
        var index = initializers[random.Next(initializers.Count)];
        var tensor = Proto.Parse(graph[index].Bytes);
        var name = Encoding.UTF8.GetString(tensor.FirstOrDefault(f => f.Number == 8)?.Bytes ?? []);
        string detail;
        switch (kind)
        {
            case MutationKind.InitializerDropped:
                graph.RemoveAt(index);
                return ($"initializer {name} dropped", WithGraph(top, graphIndex, graph));
            case MutationKind.InitializerDimsChanged:
            {
                var dims = tensor.Select((f, i) => (f, i)).Where(x => x.f.Number == 1).Select(x => x.i).ToList();
                var value = ExtremeInts[random.Next(ExtremeInts.Length)];
                switch (random.Next(3))
                {
                    case 0 when dims.Count > 0:
                        tensor.RemoveAt(dims[random.Next(dims.Count)]);
                        detail = $"initializer {name}: a dim dropped";
                        break;
                    case 1:
                        tensor.Insert(dims.Count > 0 ? dims[0] : 0, ProtoField.Number64(1, value));
                        detail = $"initializer {name}: dim {value} added";
                        break;
                    default:
                        if (dims.Count == 0)
                        {
                            tensor.Insert(0, ProtoField.Number64(1, value));
                        }
                        else
                        {
                            tensor[dims[random.Next(dims.Count)]] = ProtoField.Number64(1, value);
                        }

                        detail = $"initializer {name}: a dim set to {value}";
                        break;
                }

                break;
            }

            case MutationKind.InitializerTypeChanged:
            {
                // 0 undefined, 2 uint8, 7 int64, 8 string, 10 float16, 11 double, 16 bfloat16, 99 unknown.
                int[] types = [0, 2, 7, 8, 10, 11, 16, 99];
                var type = types[random.Next(types.Length)];
                tensor[tensor.FindIndex(f => f.Number == 2)] = ProtoField.Number64(2, type);
                detail = $"initializer {name}: data_type {type}";
                break;
            }

            default: // InitializerDataTruncated
            {
                var raw = tensor.FindIndex(f => f.Number == 9);
                var bytes = tensor[raw].Bytes;
                var keep = random.Next(bytes.Length);
                tensor[raw] = ProtoField.Length(9, bytes[..keep]);
                detail = $"initializer {name}: raw_data {bytes.Length} -> {keep} bytes";
                break;
            }
        }

        graph[index] = ProtoField.Length(5, Proto.Encode(tensor));
        return (detail, WithGraph(top, graphIndex, graph));
    }

    /// <summary>A packed repeated int64 with one element replaced.</summary>
    private static byte[] PackedWith(byte[] packed, long value, Random random)
    {
        var values = new List<ulong>();
        var i = 0;
        while (i < packed.Length)
        {
            ulong v = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = packed[i++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            values.Add(v);
        }

        if (values.Count > 0)
        {
            values[random.Next(values.Count)] = unchecked((ulong)value);
        }

        using var stream = new MemoryStream();
        foreach (var v in values)
        {
            Proto.WriteVarint(stream, v);
        }

        return stream.ToArray();
    }

    private static byte[] WithGraph(List<ProtoField> top, int graphIndex, List<ProtoField> graph)
    {
        top[graphIndex] = ProtoField.Length(7, Proto.Encode(graph));
        return Proto.Encode(top);
    }
}
