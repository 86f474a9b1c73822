using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Records;

/// <summary>
/// Source-generated JSON for everything the pipeline publishes from Core: results, audit verdicts, agreement
/// snapshots and promotion evaluations. camelCase names, camelCase enum strings, nulls omitted. No reflection, so it trims and
/// stays fast on the ARM box.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters =
    [
        typeof(CamelCaseEnumConverter<Verdict>),
        typeof(CamelCaseEnumConverter<FinalDecision>),
        typeof(CamelCaseEnumConverter<DecidedBy>),
        typeof(CamelCaseEnumConverter<Actuation>),
        typeof(CamelCaseEnumConverter<FrameTrigger>),
        typeof(CamelCaseEnumConverter<ModeChangeSource>),
        typeof(CamelCaseEnumConverter<PromotionCriterion>),
        typeof(CamelCaseEnumConverter<AuditKind>),
    ])]
[JsonSerializable(typeof(InspectionRecord))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(AgreementSnapshot))]
[JsonSerializable(typeof(AgreementWindowed))]
[JsonSerializable(typeof(PromotionEvaluation))]
public sealed partial class RecordJsonContext : JsonSerializerContext;

/// <summary>Serializes and parses records with <see cref="RecordJsonContext"/>.</summary>
public static class RecordJson
{
    public static string Serialize(InspectionRecord record) => JsonSerializer.Serialize(record, RecordJsonContext.Default.InspectionRecord);

    public static byte[] SerializeToUtf8(InspectionRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, RecordJsonContext.Default.InspectionRecord);

    public static InspectionRecord? Deserialize(string json) => JsonSerializer.Deserialize(json, RecordJsonContext.Default.InspectionRecord);

    public static byte[] SerializeToUtf8(AuditRecord audit) => JsonSerializer.SerializeToUtf8Bytes(audit, RecordJsonContext.Default.AuditRecord);

    public static AuditRecord? DeserializeAudit(string json) => JsonSerializer.Deserialize(json, RecordJsonContext.Default.AuditRecord);
}

/// <summary>Enum names as camelCase strings ("noDecision", "human"), the style of every other JSON name.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where TEnum : struct, Enum;
