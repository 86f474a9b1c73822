using System.Text;

namespace EdgeInspect.Tests.Shared;

/// <summary>
/// Writes tiny ONNX models at test time (nothing binary is committed). A hand-written protobuf encoder covering only
/// the fields used; the field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto,
/// TypeProto, TensorShapeProto, OperatorSetIdProto).
/// </summary>
internal static class OnnxTestModels
{
    /// <summary>An Identity graph: float32 input <paramref name="inputName"/> copied to <paramref name="outputName"/>.
    /// A negative dimension is written as a symbolic one ("N").</summary>
    public static byte[] Identity(string inputName, string outputName, params long[] shape)
    {
        var node = new Proto().Text(1, inputName).Text(2, outputName).Text(3, "identity").Text(4, "Identity");
        var graph = new Proto()
            .Message(1, node)
            .Text(2, "edgeinspect-test")
            .Message(11, ValueInfo(inputName, shape))
            .Message(12, ValueInfo(outputName, shape));
        var opset = new Proto().Text(1, "").Varint(2, 17);
        return new Proto()
            .Varint(1, 8) // ir_version 8: loads with opset 17 on ORT 1.24 and 1.31
            .Text(2, "edgeinspect-tests")
            .Message(7, graph)
            .Message(8, opset)
            .ToArray();
    }

    private static Proto ValueInfo(string name, long[] shape)
    {
        var dims = new Proto();
        foreach (var d in shape)
        {
            dims.Message(1, d >= 0 ? new Proto().Varint(1, d) : new Proto().Text(2, "N"));
        }

        var tensor = new Proto().Varint(1, 1 /* FLOAT */).Message(2, dims);
        return new Proto().Text(1, name).Message(2, new Proto().Message(1, tensor));
    }

    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Varint(int field, long value)
        {
            Key(field, 0);
            Raw((ulong)value);
            return this;
        }

        public Proto Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _bytes.ToArray();

        private Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        private void Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.WriteByte((byte)value);
        }
    }
}
