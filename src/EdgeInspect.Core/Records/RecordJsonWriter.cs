using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Records;

/// <summary>
/// Writes an <see cref="InspectionRecord"/> straight into a <see cref="Utf8JsonWriter"/>: the same bytes as
/// <see cref="RecordJsonContext"/> (names, order, camelCase enums, nulls omitted, NaN as a string; a test holds the
/// two equal), without the serializer's per-call state. Results are written once per part, so this is the path out
/// of every part; everything else keeps the source-generated serializer.
/// </summary>
public static class RecordJsonWriter
{
    public static void Write(Utf8JsonWriter w, InspectionRecord r)
    {
        w.WriteStartObject();
        w.WriteString("deviceId"u8, r.DeviceId);
        w.WriteNumber("bootEpochMs"u8, r.BootEpochMs);
        w.WriteNumber("seq"u8, r.Seq);
        w.WriteString("utc"u8, r.Utc);
        w.WriteStartObject("station"u8);
        w.WriteString("site"u8, r.Station.Site);
        w.WriteString("area"u8, r.Station.Area);
        w.WriteString("line"u8, r.Station.Line);
        w.WriteString("station"u8, r.Station.Station);
        w.WriteEndObject();
        w.WriteString("partId"u8, r.PartId);
        WriteCamera(w, r.Camera);
        WriteFrame(w, r.Frame);
        WriteModel(w, "model"u8, r.Model);
        w.WriteString("mode"u8, r.Mode);
        w.WriteString("configRevision"u8, r.ConfigRevision);
        if (r.ModelOutput is { } output)
        {
            WriteOutput(w, "modelOutput"u8, output);
        }

        if (r.Human is { } human)
        {
            WriteHuman(w, human);
        }

        WriteOutcome(w, r.Outcome);
        w.WriteString("schema"u8, r.Schema);
        if (r.Candidate is { } candidate)
        {
            w.WriteStartObject("candidate"u8);
            WriteModel(w, "model"u8, candidate.Model);
            WriteOutput(w, "output"u8, candidate.Output);
            w.WriteBoolean("agreesWithActive"u8, candidate.AgreesWithActive);
            w.WriteEndObject();
        }

        if (r.Input is { } input)
        {
            w.WriteStartObject("input"u8);
            Number(w, "brightness"u8, input.Brightness);
            Number(w, "contrast"u8, input.Contrast);
            Number(w, "sharpness"u8, input.Sharpness);
            Number(w, "clippedDark"u8, input.ClippedDark);
            Number(w, "clippedBright"u8, input.ClippedBright);
            Number(w, "meanB"u8, input.MeanB);
            Number(w, "meanG"u8, input.MeanG);
            Number(w, "meanR"u8, input.MeanR);
            w.WriteEndObject();
        }

        if (r.SamplePath is { } samplePath)
        {
            w.WriteString("samplePath"u8, samplePath);
        }

        w.WriteEndObject();
    }

    private static void WriteCamera(Utf8JsonWriter w, CameraRecord c)
    {
        w.WriteStartObject("camera"u8);
        w.WriteString("id"u8, c.Id);
        w.WriteNumber("width"u8, c.Width);
        w.WriteNumber("height"u8, c.Height);
        Number(w, "fps"u8, c.Fps);
        Number(w, "exposure"u8, c.Exposure);
        Number(w, "gain"u8, c.Gain);
        if (c.AutoExposure is { } auto)
        {
            w.WriteBoolean("autoExposure"u8, auto);
        }

        w.WriteEndObject();
    }

    private static void WriteFrame(Utf8JsonWriter w, FrameRecord f)
    {
        w.WriteStartObject("frame"u8);
        w.WriteNumber("seq"u8, f.Seq);
        w.WriteString("trigger"u8, Name(f.Trigger));
        w.WriteNumber("triggerId"u8, f.TriggerId);
        w.WriteString("captureUtc"u8, f.CaptureUtc);
        w.WriteString("decisionUtc"u8, f.DecisionUtc);
        Number(w, "captureToDecisionMs"u8, f.CaptureToDecisionMs);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, ReadOnlySpan<byte> name, ModelRef m)
    {
        w.WriteStartObject(name);
        w.WriteString("name"u8, m.Name);
        w.WriteString("version"u8, m.Version);
        w.WriteString("sha256"u8, m.Sha256);
        w.WriteEndObject();
    }

    private static void WriteOutput(Utf8JsonWriter w, ReadOnlySpan<byte> name, ModelOutputRecord o)
    {
        w.WriteStartObject(name);
        if (o.Class is { } cls)
        {
            w.WriteString("class"u8, cls);
        }

        Number(w, "score"u8, o.Score);
        if (o.Probabilities is { } probabilities)
        {
            w.WriteStartArray("probabilities"u8);
            for (var i = 0; i < probabilities.Count; i++)
            {
                Value(w, probabilities[i]);
            }

            w.WriteEndArray();
        }

        w.WriteString("verdict"u8, Name(o.Verdict));
        w.WriteBoolean("uncertain"u8, o.Uncertain);
        Number(w, "latencyMs"u8, o.LatencyMs);
        w.WriteEndObject();
    }

    private static void WriteHuman(Utf8JsonWriter w, HumanRecord h)
    {
        w.WriteStartObject("human"u8);
        w.WriteString("inspectorId"u8, h.InspectorId);
        w.WriteString("position"u8, h.Position);
        if (h.Verdict is { } verdict)
        {
            w.WriteString("verdict"u8, Name(verdict));
        }

        w.WriteBoolean("timedOut"u8, h.TimedOut);
        Number(w, "latencyMs"u8, h.LatencyMs);
        w.WriteBoolean("audit"u8, h.Audit);
        w.WriteEndObject();
    }

    private static void WriteOutcome(Utf8JsonWriter w, OutcomeRecord o)
    {
        w.WriteStartObject("outcome"u8);
        w.WriteString("decision"u8, Name(o.Decision));
        w.WriteString("decidedBy"u8, Name(o.DecidedBy));
        w.WriteString("actuation"u8, Name(o.Actuation));
        if (o.Agreement is { } agreement)
        {
            w.WriteBoolean("agreement"u8, agreement);
        }

        w.WriteBoolean("canary"u8, o.Canary);
        if (o.DeadlineMissed is { } missed)
        {
            w.WriteBoolean("deadlineMissed"u8, missed);
        }

        if (o.AuditPending is { } pending)
        {
            w.WriteBoolean("auditPending"u8, pending);
        }

        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, ReadOnlySpan<byte> name, double? value)
    {
        if (value is { } v)
        {
            w.WritePropertyName(name);
            Value(w, v);
        }
    }

    /// <summary>As <c>JsonNumberHandling.AllowNamedFloatingPointLiterals</c> writes: NaN and the infinities as strings.</summary>
    private static void Value(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(v) ? "NaN"u8 : v > 0 ? "Infinity"u8 : "-Infinity"u8);
        }
    }

    private static JsonEncodedText Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => EnumNames<TEnum>.Of(value);

    /// <summary>camelCase names of an enum's values, encoded once (what <see cref="CamelCaseEnumConverter{TEnum}"/> writes).</summary>
    private static class EnumNames<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly Dictionary<TEnum, JsonEncodedText> Names =
            Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => JsonEncodedText.Encode(JsonNamingPolicy.CamelCase.ConvertName(v.ToString())));

        public static JsonEncodedText Of(TEnum value) =>
            Names.TryGetValue(value, out var name) ? name : throw new JsonException($"{typeof(TEnum).Name} value {value} has no name to write");
    }
}
