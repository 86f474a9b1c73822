namespace EdgeInspect.Core.Monitoring.Incidents;

/// <summary>What probably happened on the line: the documented set of diagnoses (docs/drift.md, "Incidents").</summary>
public enum IncidentClass
{
    /// <summary>The evidence fits no class; the member alerts are all there is.</summary>
    Unknown,

    /// <summary>The light changed: the luma family moved as one gain while the chroma ratios stayed.</summary>
    Lighting,

    /// <summary>The product or its colour changed: the chroma ratios moved.</summary>
    Product,

    /// <summary>Focus or blur: sharpness moved beyond what the light explains.</summary>
    Focus,

    /// <summary>The camera failed: frozen, black or saturated frames, or no frames at all.</summary>
    Camera,

    /// <summary>The model's outputs (score distribution, defect rate, class mix) moved while its inputs stayed.</summary>
    Output,

    /// <summary>Inspectors disagree with the model more, while inputs and outputs stayed: what a defect is has changed.</summary>
    Concept,
}

/// <summary>Where an incident is in its life.</summary>
public enum IncidentState
{
    /// <summary>At least one member has not cleared.</summary>
    Open,

    /// <summary>Every member has cleared.</summary>
    Cleared,
}

/// <summary>What happened to an incident, as published on <c>incident</c>.</summary>
public enum IncidentEventKind
{
    /// <summary>A first member alerted: the incident opens with its first diagnosis.</summary>
    Raised,

    /// <summary>A member joined or the diagnosis changed.</summary>
    Updated,

    /// <summary>All members have cleared.</summary>
    Cleared,
}

/// <summary>Wire names of the incident enums; stable, do not rename.</summary>
public static class IncidentNames
{
    public static string Name(this IncidentClass value) => value switch
    {
        IncidentClass.Lighting => "lighting",
        IncidentClass.Product => "product",
        IncidentClass.Focus => "focus",
        IncidentClass.Camera => "camera",
        IncidentClass.Output => "output",
        IncidentClass.Concept => "concept",
        _ => "unknown",
    };

    public static string Name(this IncidentEventKind value) => value switch
    {
        IncidentEventKind.Raised => "raised",
        IncidentEventKind.Updated => "updated",
        _ => "cleared",
    };

    public static string Name(this IncidentState value) => value == IncidentState.Open ? "open" : "cleared";

    /// <summary>The detector name of capture's own alerts (frozen stream, camera down).</summary>
    public const string CaptureDetector = "capture";

    /// <summary>"InputDistribution" → "input_distribution", as the alert payloads name families.</summary>
    public static string SnakeName(this DetectorFamily family) => family switch
    {
        DetectorFamily.InputDistribution => "input_distribution",
        DetectorFamily.InputSequential => "input_sequential",
        DetectorFamily.ScoreDistribution => "score_distribution",
        DetectorFamily.DefectRate => "defect_rate",
        DetectorFamily.Concept => "concept",
        DetectorFamily.ClassShare => "class_share",
        DetectorFamily.DefectRateBand => "defect_rate_band",
        DetectorFamily.CameraFault => "camera_fault",
        _ => family.ToString().ToLowerInvariant(),
    };

    /// <summary>Every class name, for error messages and option validation.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enum.GetValues<IncidentClass>().Select(c => c.Name()).ToArray();

    public static bool TryParseClass(string? name, out IncidentClass value)
    {
        foreach (var candidate in Enum.GetValues<IncidentClass>())
        {
            if (string.Equals(candidate.Name(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = IncidentClass.Unknown;
        return false;
    }
}

/// <summary>One alert in an incident, with its latest evidence.</summary>
/// <param name="Name">The alert's name (its alert/state/{name}), e.g. "cam1.brightness.distribution" or "cam1.frozen_stream".</param>
/// <param name="Family">The detector family; null for capture's own alerts (frozen stream, camera down).</param>
/// <param name="Metric">What it watches, e.g. "brightness", "class_share", "frozen_stream".</param>
/// <param name="State">Its state now (Ok once it cleared).</param>
/// <param name="Since">When it first rose in this incident.</param>
/// <param name="SinceSeq">The frame (or verdict) sequence number it rose at.</param>
/// <param name="ClearedAt">When it last cleared; null while it is raised.</param>
/// <param name="ReferenceValue">The baseline's value, as on the alert.</param>
/// <param name="CurrentValue">The window's value, as on the alert.</param>
/// <param name="Distance">The reading compared with the threshold.</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="WindowFrames">Frames (or verdicts) the reading covers.</param>
/// <param name="Kind">Sudden or gradual, where the detector says.</param>
public sealed record IncidentMember(
    string Name,
    DetectorFamily? Family,
    string Metric,
    AlertState State,
    DateTimeOffset Since,
    long SinceSeq,
    DateTimeOffset? ClearedAt,
    double ReferenceValue,
    double CurrentValue,
    double Distance,
    double Threshold,
    int WindowFrames,
    DriftKind Kind)
{
    /// <summary>The detector family in snake case ("input_distribution", "class_share", …), or "capture".</summary>
    public string Detector => Family is { } family ? family.SnakeName() : IncidentNames.CaptureDetector;

    public bool IsCleared => State == AlertState.Ok;
}

/// <summary>What probably happened, how sure the rules are, what to do, and the figures the rules read.</summary>
/// <param name="Class">The diagnosis.</param>
/// <param name="Confidence">0..1: how clearly the evidence separates this class from the others (docs/drift.md).</param>
/// <param name="Action">What a person on the line should do.</param>
/// <param name="Reason">The rule that decided, with its figures, in one sentence.</param>
/// <param name="Evidence">The figures the rules read (gain, shifts in standard deviations, shares, ratios to thresholds).</param>
public sealed record IncidentDiagnosis(
    IncidentClass Class,
    double Confidence,
    string Action,
    string Reason,
    IReadOnlyDictionary<string, double> Evidence);

/// <summary>One incident as it stands: an immutable snapshot, taken when it is published.</summary>
/// <param name="Id">Unique per station and boot; a valid MQTT topic level (the {id} of incident/state/{id}).</param>
/// <param name="CameraId">The camera whose alerts it groups.</param>
/// <param name="State">Open or cleared.</param>
/// <param name="StartedAt">When its first member rose.</param>
/// <param name="StartSeq">The frame sequence number its first member rose at.</param>
/// <param name="RaisedAt">When it was raised (its first member reached ALERT).</param>
/// <param name="RaisedSeq">The frame sequence number it was raised at.</param>
/// <param name="EndedAt">When its last member cleared; null while open.</param>
/// <param name="Members">Its alerts, in the order they joined.</param>
/// <param name="Diagnosis">The current diagnosis.</param>
/// <param name="Revision">1 when raised, one more with every published change.</param>
public sealed record Incident(
    string Id,
    string CameraId,
    IncidentState State,
    DateTimeOffset StartedAt,
    long StartSeq,
    DateTimeOffset RaisedAt,
    long RaisedSeq,
    DateTimeOffset? EndedAt,
    IReadOnlyList<IncidentMember> Members,
    IncidentDiagnosis Diagnosis,
    int Revision)
{
    /// <summary>
    /// The frame sequence number its last member cleared at (the window end of that alert's reading, or the last frame
    /// capture delivered); null while open, or when the clearing came without one (detectors replaced).
    /// </summary>
    public long? EndSeq { get; init; }
}

/// <summary>One incident message: raised, updated or cleared, with the incident as it stands after it.</summary>
public sealed record IncidentEvent(IncidentEventKind Kind, DateTimeOffset At, Incident Incident);
