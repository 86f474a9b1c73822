using System.Globalization;
using System.Text.Json.Serialization;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Core.Messages;

/// <summary>Body of an <c>incident</c> message (stream, never dropped): raised, updated or cleared.</summary>
/// <param name="Event">"raised", "updated" or "cleared".</param>
/// <param name="Id">The incident's id, the {id} of incident/state/{id}.</param>
/// <param name="Camera">The camera whose alerts it groups.</param>
/// <param name="State">"open" or "cleared".</param>
/// <param name="Severity">"critical" while open, "info" once cleared.</param>
/// <param name="Message">One line for a supervisor: diagnosis, confidence, members, action.</param>
/// <param name="Start">When its first member rose.</param>
/// <param name="StartSeq">The frame its first member rose at.</param>
/// <param name="Raised">When it was raised (its first member reached ALERT).</param>
/// <param name="RaisedSeq">The frame it was raised at.</param>
/// <param name="End">When its last member cleared; absent while open.</param>
/// <param name="EndSeq">The frame its last member cleared at; absent while open.</param>
/// <param name="Revision">1 when raised, one more with every published change.</param>
/// <param name="Diagnosis">What probably happened and what to do.</param>
/// <param name="Members">Its alerts with their evidence, in the order they joined.</param>
public sealed record IncidentBody(
    string Event,
    string Id,
    string Camera,
    string State,
    string Severity,
    string Message,
    DateTimeOffset Start,
    long StartSeq,
    DateTimeOffset Raised,
    long RaisedSeq,
    DateTimeOffset? End,
    long? EndSeq,
    int Revision,
    IncidentDiagnosisBody Diagnosis,
    IReadOnlyList<IncidentMemberBody> Members);

/// <summary>Body of the retained <c>incident/state/{id}</c> topic: the incident as it stands (as <see cref="IncidentBody"/>, without the event).</summary>
public sealed record IncidentStateBody(
    string Id,
    string Camera,
    string State,
    string Severity,
    string Message,
    DateTimeOffset Start,
    long StartSeq,
    DateTimeOffset Raised,
    long RaisedSeq,
    DateTimeOffset? End,
    long? EndSeq,
    int Revision,
    IncidentDiagnosisBody Diagnosis,
    IReadOnlyList<IncidentMemberBody> Members);

/// <summary>The diagnosis on the wire.</summary>
/// <param name="Class">lighting, product, focus, camera, output, concept or unknown.</param>
/// <param name="Confidence">0..1.</param>
/// <param name="Action">What to do.</param>
/// <param name="Reason">The rule that decided, with its figures.</param>
/// <param name="Evidence">The figures the rules read (gain, shifts in standard deviations, shares, ratios to thresholds).</param>
public sealed record IncidentDiagnosisBody(string Class, double Confidence, string Action, string Reason, IReadOnlyDictionary<string, double> Evidence);

/// <summary>One member alert on the wire, with the evidence of its latest transition (absent where not a number).</summary>
/// <param name="Name">The alert's name (its alert/state/{name}).</param>
/// <param name="Detector">input_distribution, input_sequential, score_distribution, defect_rate, defect_rate_band, class_share, camera_fault, concept, or capture.</param>
/// <param name="Metric">What it watches.</param>
/// <param name="State">ok, warn or alert.</param>
/// <param name="Since">When it first rose in the incident.</param>
/// <param name="SinceSeq">The frame (or verdict) it rose at.</param>
/// <param name="Cleared">When it cleared; absent while raised.</param>
/// <param name="Reference">The baseline's value.</param>
/// <param name="Current">The window's value.</param>
/// <param name="Distance">The reading compared with the threshold.</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="Window">Frames (or verdicts) the reading covers.</param>
/// <param name="Kind">sudden, gradual or unclassified.</param>
public sealed record IncidentMemberBody(
    string Name,
    string Detector,
    string Metric,
    string State,
    DateTimeOffset Since,
    long SinceSeq,
    DateTimeOffset? Cleared,
    double? Reference,
    double? Current,
    double? Distance,
    double? Threshold,
    int Window,
    string Kind);

/// <summary>
/// Maps incidents to their payloads, and names their schemas and topics. The link's topic table and message kinds
/// (StationTopics, MessageKind) gain the matching entries when incidents are wired into the pipeline:
/// a never-dropped, fsynced stream kind on <c>incident</c> with schema <see cref="IncidentSchema"/>, and the retained
/// <c>incident/state/{id}</c> with <see cref="IncidentStateSchema"/>.
/// </summary>
public static class IncidentPayloads
{
    /// <summary>Topic suffix of the stream of incident events.</summary>
    public const string Topic = "incident";

    public const string IncidentSchema = "edgeinspect.incident/1";

    public const string IncidentStateSchema = "edgeinspect.incident-state/1";

    /// <summary>The retained topic suffix of an incident: incident/state/{id}.</summary>
    public static string StateTopic(string incidentId) => StationTopics.SegmentProblem(incidentId) is { } problem
        ? throw new ArgumentException($"incident id {problem}", nameof(incidentId))
        : $"{Topic}/state/{incidentId}";

    public static IncidentBody ToBody(IncidentEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var i = e.Incident;
        return new IncidentBody(e.Kind.Name(), i.Id, i.CameraId, i.State.Name(), Severity(i), Summary(e.Kind, i), i.StartedAt, i.StartSeq, i.RaisedAt, i.RaisedSeq,
            i.EndedAt, i.EndSeq, i.Revision, ToBody(i.Diagnosis), i.Members.Select(ToBody).ToArray());
    }

    public static IncidentStateBody ToStateBody(Incident i)
    {
        ArgumentNullException.ThrowIfNull(i);
        return new IncidentStateBody(i.Id, i.CameraId, i.State.Name(), Severity(i), Summary(null, i), i.StartedAt, i.StartSeq, i.RaisedAt, i.RaisedSeq,
            i.EndedAt, i.EndSeq, i.Revision, ToBody(i.Diagnosis), i.Members.Select(ToBody).ToArray());
    }

    /// <summary>
    /// One line for a supervisor's phone, e.g. "Incident cam1-20261102T064005Z-1 raised on cam1: lighting (confidence
    /// 0.78), 9 alerts. Check the line lights at this station …".
    /// </summary>
    public static string Summary(IncidentEventKind? kind, Incident i)
    {
        var what = kind switch
        {
            IncidentEventKind.Raised => "raised",
            IncidentEventKind.Updated => "updated",
            IncidentEventKind.Cleared => "cleared",
            _ => i.State == IncidentState.Open ? "open" : "cleared",
        };
        var raised = i.Members.Count(m => !m.IsCleared);
        var members = i.State == IncidentState.Open
            ? $"{i.Members.Count} alert{(i.Members.Count == 1 ? "" : "s")}, {raised} raised"
            : $"{i.Members.Count} alert{(i.Members.Count == 1 ? "" : "s")}, all cleared after {Duration((i.EndedAt ?? i.StartedAt) - i.StartedAt)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"Incident {i.Id} {what} on {i.CameraId}: {i.Diagnosis.Class.Name()} (confidence {i.Diagnosis.Confidence:0.00}), {members}. {(i.State == IncidentState.Open ? i.Diagnosis.Action : "Back to normal.")}");
    }

    private static IncidentDiagnosisBody ToBody(IncidentDiagnosis d) =>
        new(d.Class.Name(), d.Confidence, d.Action, d.Reason, d.Evidence.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    private static IncidentMemberBody ToBody(IncidentMember m) =>
        new(m.Name, m.Detector, m.Metric, m.State.ToString().ToLowerInvariant(), m.Since, m.SinceSeq, m.ClearedAt,
            Finite(m.ReferenceValue), Finite(m.CurrentValue), Finite(m.Distance), Finite(m.Threshold), m.WindowFrames, m.Kind.ToString().ToLowerInvariant());

    private static string Severity(Incident i) => i.State == IncidentState.Open ? "critical" : "info";

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Duration(TimeSpan span) => span.TotalMinutes >= 1
        ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min"
        : span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
}

/// <summary>Source-generated JSON for the incident payloads: camelCase, no reflection at runtime (as <see cref="MessagesJsonContext"/>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IncidentBody))]
[JsonSerializable(typeof(IncidentStateBody))]
public sealed partial class IncidentJsonContext : JsonSerializerContext;
