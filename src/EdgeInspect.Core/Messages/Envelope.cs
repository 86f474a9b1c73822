using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeInspect.Core.Messages;

/// <summary>
/// The identity every message carries: which schema, which device, which boot (epoch), where in the device's stream
/// (seq) and when. (device, epoch, seq) identifies a message exactly, so a subscriber can drop duplicates; seq alone
/// increases across restarts, so a gateway can detect gaps.
/// </summary>
/// <param name="Schema">Versioned schema name, e.g. <see cref="Schemas.Result"/>.</param>
/// <param name="Device">Device id from config.</param>
/// <param name="Epoch">Boot epoch: one more on every start of the service.</param>
/// <param name="Seq">Per-device sequence number. Stream messages consume one each; retained state carries the latest stream seq.</param>
/// <param name="Timestamp">UTC time the message was created.</param>
public readonly record struct EnvelopeHeader(string Schema, string Device, long Epoch, long Seq, DateTimeOffset Timestamp);

/// <summary>Writes and reads the JSON envelope: <c>{"schema","device","epoch","seq","ts","body":{...}}</c>.</summary>
public static class Envelope
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    /// <summary>Wraps an already serialized JSON body. The body must be one JSON value (validated by the writer).</summary>
    public static byte[] Write(in EnvelopeHeader header, ReadOnlySpan<byte> bodyJson)
    {
        var buffer = new ArrayBufferWriter<byte>(bodyJson.Length + 160);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteHeader(writer, header);
            writer.WritePropertyName("body"u8);
            writer.WriteRawValue(bodyJson, skipInputValidation: false);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Wraps <paramref name="bodyJson"/> into <paramref name="writer"/>, which the caller has pointed at its own (pooled)
    /// buffer: the envelope then costs no allocation.
    /// </summary>
    /// <param name="writer">Reset to the caller's buffer.</param>
    /// <param name="header">The envelope's identity.</param>
    /// <param name="bodyJson">One JSON value.</param>
    /// <param name="trustedBody">The body was written by a <see cref="Utf8JsonWriter"/> and is not parsed again;
    /// otherwise it is validated as one JSON value, as <see cref="Write(in EnvelopeHeader, ReadOnlySpan{byte})"/> does.</param>
    public static void WriteTo(Utf8JsonWriter writer, in EnvelopeHeader header, ReadOnlySpan<byte> bodyJson, bool trustedBody = false)
    {
        WriteHeader(writer, header);
        writer.WritePropertyName("body"u8);
        writer.WriteRawValue(bodyJson, skipInputValidation: trustedBody);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The options of every envelope writer (compact, validated structure).</summary>
    public static JsonWriterOptions Options => WriterOptions;

    /// <summary>Wraps a body serialized with source-generated metadata (no reflection).</summary>
    public static byte[] Write<T>(in EnvelopeHeader header, T body, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteHeader(writer, header);
            writer.WritePropertyName("body"u8);
            JsonSerializer.Serialize(writer, body, typeInfo);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the header of an envelope; false when the payload is not an envelope.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> payload, out EnvelopeHeader header)
    {
        header = default;
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("device", out var device) || device.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("epoch", out var epoch) || epoch.ValueKind != JsonValueKind.Number || !epoch.TryGetInt64(out var epochValue)
                || !root.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var seqValue)
                || !root.TryGetProperty("ts", out var ts) || ts.ValueKind != JsonValueKind.String || !ts.TryGetDateTimeOffset(out var tsValue))
            {
                return false;
            }

            header = new EnvelopeHeader(schema.GetString()!, device.GetString()!, epochValue, seqValue, tsValue);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid text (invalid UTF-8, a lone surrogate escape).
            return false;
        }
    }

    private static void WriteHeader(Utf8JsonWriter writer, in EnvelopeHeader header)
    {
        writer.WriteStartObject();
        writer.WriteString("schema"u8, header.Schema);
        writer.WriteString("device"u8, header.Device);
        writer.WriteNumber("epoch"u8, header.Epoch);
        writer.WriteNumber("seq"u8, header.Seq);
        // Fixed format with milliseconds and a Z, whatever the offset of the value given; formatted on the stack.
        Span<byte> ts = stackalloc byte[32];
        if (!header.Timestamp.UtcDateTime.TryFormat(ts, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
        {
            throw new FormatException("an envelope timestamp did not fit 32 bytes");
        }

        writer.WriteString("ts"u8, ts[..written]);
    }
}
