using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;

namespace EdgeInspect.Tests.Fuzzing;

/// <summary>
/// Grammar-aware JSON mutation: a valid seed document is parsed into a small tree, then a short plan of edits is
/// applied (replace a value with a nasty one, drop or duplicate a key, change a key's case, add an unknown key, nest
/// deep), and the text is finally hit by a few raw edits (truncation, a flipped byte, a BOM). Most results stay near
/// valid, so they get past the JSON parser and reach the validation code behind it. Shared by the Core and Worker fuzz
/// tests.
/// </summary>
internal static class JsonMutator
{
    /// <summary>Values that break parsers: wrong types, edge numbers, blank and broken strings, deep nesting.</summary>
    public static readonly string[] NastyValues =
    [
        "null", "true", "false", "0", "-0", "-1", "1", "2", "3", "0.5", "1e309", "-1e309", "1e-400", "1e39", "-1e39", "1e-50",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483647", "2147483648", "-2147483649",
        "4294967296", "1.0000000000000002", "123456789012345678901234567890", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "\"\"", "\" \"", "\"\\t\"", "\"\\u0000\"", "\"\\u200b\"", "\"\\ufeff\"", "\"a\\nb\"", "\"\\ud800\"", "\"x\\udc00y\"",
        "\"\\ud83d\\ude00\"", "\"..\"", "\"../x\"", "\"/etc/passwd\"", "\"~/x\"", "\"a/b\"", "\"#\"", "\"+\"", "\"00:00:00\"",
        "\"-00:00:01\"", "\"10675199.02:48:05.4775807\"", "\"1\"", "\"true\"", "\"shadow\"", "\"LIVE\"", "\"5\"", "\"1e309\"",
        "[]", "{}", "[null]", "[1,2,3]", "[\"\"]", "{\"\":1}", "{\"a\":{\"b\":{}}}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    /// <summary>Keys worth adding: unknown, case-changed, empty, configuration-path separators.</summary>
    private static readonly string[] OddKeys = ["", " ", "unknown", "a:b", "__proto__", "\\u0000", "\\ud800", "Format", "0", "$ref", new string('k', 39) + "\\ud83d\\ude00"];

    /// <summary>A generator of mutated versions of <paramref name="seeds"/>, as UTF-8 text (some left untouched).</summary>
    public static Gen<string> Mutants(params string[] seeds) => Mutants(seeds, []);

    /// <summary>As <see cref="Mutants(string[])"/>, with extra values for this target (its enums, names, paths).</summary>
    public static Gen<string> Mutants(string[] seeds, string[] values) =>
        Gen.Select(
            Gen.Int[0, seeds.Length - 1],
            Edits,
            RawEdits,
            (s, edits, raws) => Apply(seeds[s], values, edits, raws));

    /// <summary>One structural edit: what to do, where (an index into the tree's nodes) and with what.</summary>
    public readonly record struct JsonEdit(int Kind, int Node, int Value, string Extra);

    /// <summary>One raw text edit: kind, position (0..1 of the length) and a byte.</summary>
    public readonly record struct TextEdit(int Kind, double Position, byte Byte);

    private static readonly Gen<JsonEdit> Edit =
        Gen.Select(Gen.Int[0, 10], Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.String[Gen.Char.AlphaNumeric, 0, 8],
            (kind, node, value, extra) => new JsonEdit(kind, node, value, extra));

    private static readonly Gen<TextEdit> RawEdit =
        Gen.Select(Gen.Int[0, 6], Gen.Double[0, 1], Gen.Byte, (kind, position, b) => new TextEdit(kind, position, b));

    /// <summary>Usually a few structural edits: each keeps the text valid JSON, so it reaches the code behind the parser.</summary>
    private static readonly Gen<JsonEdit[]> Edits = Gen.Frequency<JsonEdit[]>((1, Gen.Const(Array.Empty<JsonEdit>())), (4, Edit.Array[1, 6]));

    /// <summary>Raw edits mostly break the syntax, so a quarter of the mutants get them: the parser's own errors.</summary>
    private static readonly Gen<TextEdit[]> RawEdits = Gen.Frequency<TextEdit[]>((3, Gen.Const(Array.Empty<TextEdit>())), (1, RawEdit.Array[1, 3]));

    public static string Apply(string seed, string[] values, JsonEdit[] edits, TextEdit[] raws)
    {
        using var document = JsonDocument.Parse(seed, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = Node.From(document.RootElement);
        foreach (var edit in edits)
        {
            ApplyEdit(root, edit, values);
        }

        var text = new StringBuilder();
        root.Write(text);
        var bytes = Encoding.UTF8.GetBytes(text.ToString()).ToList();
        foreach (var raw in raws)
        {
            ApplyRaw(bytes, raw);
        }

        // Invalid UTF-8 decodes to U+FFFD here; byte-level targets take the bytes instead (see MutantBytes).
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>Mutants as bytes: the same edits, with raw byte flips kept as they are (invalid UTF-8 included).</summary>
    public static Gen<byte[]> MutantBytes(string[] seeds, string[] values) =>
        Gen.Select(
            Gen.Int[0, seeds.Length - 1],
            Edits,
            RawEdits,
            (s, edits, raws) =>
            {
                var text = Apply(seeds[s], values, edits, []);
                var bytes = Encoding.UTF8.GetBytes(text).ToList();
                foreach (var raw in raws)
                {
                    ApplyRaw(bytes, raw);
                }

                return bytes.ToArray();
            });

    private static void ApplyEdit(Node root, JsonEdit edit, string[] values)
    {
        var nodes = new List<(Node Node, Node? Parent, int Index)>();
        root.Collect(null, -1, nodes);
        var (node, parent, index) = nodes[edit.Node % nodes.Count];
        // Kinds 9 and 10 take the target's own values (its enums, names, paths); the others the generic nasty ones.
        var value = Node.Raw(edit.Kind >= 9 && values.Length > 0 ? values[edit.Value % values.Length] : NastyValues[edit.Value % NastyValues.Length]);
        switch (edit.Kind)
        {
            case 0 or 1 or 2 or 9 or 10:
                // Replace this value (the most common edit: every field meets every nasty value).
                if (parent is not null)
                {
                    parent.Set(index, value);
                }

                break;
            case 3:
                parent?.RemoveAt(index);
                break;
            case 4:
                // The same key twice (JSON allows it; configuration and serializers differ on which wins).
                if (parent is ObjectNode o && index >= 0)
                {
                    o.Members.Insert(index, (o.Members[index].Key, value));
                }

                break;
            case 5:
                if (parent is ObjectNode caseObject && index >= 0)
                {
                    var key = caseObject.Members[index].Key;
                    caseObject.Members[index] = (key.Length == 0 ? key : char.IsUpper(key[0]) ? key.ToLowerInvariant() : key.ToUpperInvariant(), caseObject.Members[index].Value);
                }

                break;
            case 6:
                if (node is ObjectNode target)
                {
                    target.Members.Add((edit.Value % 2 == 0 ? OddKeys[edit.Value % OddKeys.Length] : edit.Extra, value));
                }
                else if (node is ArrayNode array)
                {
                    array.Items.Add(value);
                }

                break;
            case 7:
                // Wrap the value in an array or object: a scalar where a section belongs, and the reverse.
                if (parent is not null)
                {
                    parent.Set(index, edit.Value % 2 == 0 ? new ArrayNode([node]) : new ObjectNode([(edit.Extra, node)]));
                }

                break;
            case 8:
                // A long string: sizes and limits.
                if (parent is not null)
                {
                    parent.Set(index, Node.Raw("\"" + new string('x', 1 << (edit.Value % 18)) + "\""));
                }

                break;
        }
    }

    private static void ApplyRaw(List<byte> bytes, TextEdit raw)
    {
        var at = (int)(raw.Position * bytes.Count);
        switch (raw.Kind)
        {
            case 0 when bytes.Count > 0:
                bytes.RemoveRange(at, bytes.Count - at); // truncation
                break;
            case 1 when at < bytes.Count:
                bytes[at] ^= (byte)(raw.Byte | 1); // a flipped byte
                break;
            case 2:
                bytes.Insert(at, raw.Byte);
                break;
            case 3:
                bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]); // a UTF-8 BOM
                break;
            case 4:
                bytes.InsertRange(at, "/* c */"u8.ToArray());
                break;
            case 5 when at < bytes.Count:
                bytes.RemoveAt(at);
                break;
            case 6:
                bytes.InsertRange(at, ",\r\n"u8.ToArray());
                break;
        }
    }

    private abstract class Node
    {
        public static Node Raw(string text) => new RawNode(text);

        public static Node From(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => new ObjectNode([.. e.EnumerateObject().Select(p => (Escape(p.Name), From(p.Value)))]),
            JsonValueKind.Array => new ArrayNode([.. e.EnumerateArray().Select(From)]),
            _ => new RawNode(e.GetRawText()),
        };

        public abstract void Write(StringBuilder text);

        public virtual void Collect(Node? parent, int index, List<(Node, Node?, int)> nodes) => nodes.Add((this, parent, index));

        public virtual void Set(int index, Node value)
        {
        }

        public virtual void RemoveAt(int index)
        {
        }

        private static string Escape(string key)
        {
            // Keys are kept as JSON text (already escaped), so odd keys such as \ud800 survive a round trip.
            return JsonEncodedText.Encode(key, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        }
    }

    private sealed class RawNode(string text) : Node
    {
        public override void Write(StringBuilder builder) => builder.Append(text);
    }

    private sealed class ArrayNode(List<Node> items) : Node
    {
        public List<Node> Items { get; } = items;

        public override void Write(StringBuilder text)
        {
            text.Append('[');
            for (var i = 0; i < Items.Count; i++)
            {
                text.Append(i == 0 ? "" : ",");
                Items[i].Write(text);
            }

            text.Append(']');
        }

        public override void Collect(Node? parent, int index, List<(Node, Node?, int)> nodes)
        {
            base.Collect(parent, index, nodes);
            for (var i = 0; i < Items.Count; i++)
            {
                Items[i].Collect(this, i, nodes);
            }
        }

        public override void Set(int index, Node value) => Items[index] = value;

        public override void RemoveAt(int index) => Items.RemoveAt(index);
    }

    private sealed class ObjectNode(List<(string Key, Node Value)> members) : Node
    {
        public List<(string Key, Node Value)> Members { get; } = members;

        public override void Write(StringBuilder text)
        {
            text.Append('{');
            for (var i = 0; i < Members.Count; i++)
            {
                text.Append(i == 0 ? "\"" : ",\"").Append(Members[i].Key).Append("\":");
                Members[i].Value.Write(text);
            }

            text.Append('}');
        }

        public override void Collect(Node? parent, int index, List<(Node, Node?, int)> nodes)
        {
            base.Collect(parent, index, nodes);
            for (var i = 0; i < Members.Count; i++)
            {
                Members[i].Value.Collect(this, i, nodes);
            }
        }

        public override void Set(int index, Node value) => Members[index] = (Members[index].Key, value);

        public override void RemoveAt(int index) => Members.RemoveAt(index);
    }

    /// <summary>A JSON string literal for <paramref name="value"/> (for building seeds).</summary>
    public static string Quote(string value) => "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";

    /// <summary>Formats a double the way JSON wants it.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
