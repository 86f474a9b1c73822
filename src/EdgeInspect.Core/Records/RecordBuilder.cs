using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Records;

/// <summary>Who writes the records: fixed for a boot, except the config revision, which a reload may change.</summary>
/// <param name="BootEpochMs">Unix milliseconds at service start.</param>
public sealed record RecordContext(string DeviceId, long BootEpochMs, StationRef Station, string ConfigRevision);

/// <summary>
/// What is known of a part once the model has seen it, before anyone decides it: the facts every later record about
/// the part repeats. Immutable.
/// </summary>
/// <param name="PartSeq">The per-boot part sequence number, from 1.</param>
/// <param name="Frame">The frame; its decision fields are filled when the part is decided.</param>
/// <param name="CaptureTimestamp">Capture time in TimeProvider timestamp units (the clock decision latency is measured on).</param>
/// <param name="Candidate">The candidate model's output when one ran in shadow; otherwise null.</param>
/// <param name="Input">The frame's input statistics; null when the ROI does not fit the frame.</param>
public sealed record PartFacts(
    long PartSeq,
    string PartId,
    FrameRecord Frame,
    long CaptureTimestamp,
    CameraRecord Camera,
    ModelRef Model,
    ModelOutputRecord Output,
    CandidateRecord? Candidate,
    InputStatisticsRecord? Input)
{
    /// <summary>What the automation policy needs from the model's output.</summary>
    public ModelSummary Summary => new(Output.Verdict, Output.Uncertain);
}

/// <summary>
/// Builds the records the station publishes, from what the stages know. Pure functions: no clock, no I/O, so the
/// same facts always give the same record.
/// </summary>
public static class RecordBuilder
{
    public static ModelRef ModelRefOf(ModelIdentity identity) => new(identity.Name, identity.Version, identity.Sha256);

    public static RegionOfInterest RoiOf(PixelRect roi) => new(roi.X, roi.Y, roi.Width, roi.Height);

    /// <summary>The model's output for the record: rounded to what a reader can use, probabilities copied out of the model's buffer.</summary>
    public static ModelOutputRecord OutputOf(ModelManifest manifest, in Prediction prediction)
    {
        var isClasses = manifest.Output.Kind == OutputKind.ClassProbabilities;
        double[]? probabilities = null;
        if (isClasses)
        {
            var outputs = prediction.Outputs.Span;
            probabilities = new double[outputs.Length];
            for (var i = 0; i < outputs.Length; i++)
            {
                probabilities[i] = Math.Round(outputs[i], 6);
            }
        }

        return new ModelOutputRecord(
            isClasses ? prediction.ClassName : null,
            Math.Round(prediction.DefectScore, 6),
            probabilities,
            prediction.Decision,
            prediction.Uncertain,
            (prediction.PreprocessTime + prediction.InferenceTime).TotalMilliseconds);
    }

    /// <summary>The frame's input statistics for the record; null when none were computed.</summary>
    public static InputStatisticsRecord? InputOf(in InputMetrics m) =>
        m == default ? null : new InputStatisticsRecord(
            Math.Round(m.Brightness, 3), Math.Round(m.Contrast, 3), Math.Round(m.Sharpness, 3), Math.Round(m.DarkClippedFraction, 5),
            Math.Round(m.BrightClippedFraction, 5), Math.Round(m.MeanBlue, 3), Math.Round(m.MeanGreen, 3), Math.Round(m.MeanRed, 3));

    /// <summary>Whether model and human agree; null unless the human said pass or fail.</summary>
    public static bool? Agreement(Verdict model, Verdict? human) => human is Verdict.Pass or Verdict.Fail ? human == model : null;

    /// <summary>The inspector's side of a part from its verdict join: the press, or the timeout (no inspector or position then).</summary>
    /// <param name="audit">The inspector checked a part the model decides.</param>
    public static HumanRecord HumanOf<TPart>(in JoinedVerdict<TPart> joined, bool audit) =>
        new(joined.Press.InspectorId, joined.Press.Position, joined.Verdict, joined.Outcome != JoinOutcome.Labeled, joined.HumanLatency.TotalMilliseconds, audit);

    /// <summary>The result record of a decided part.</summary>
    /// <param name="mode">The mode the part was routed in (its wire name).</param>
    /// <param name="human">The verdict that decided the part; null when it was decided without one.</param>
    /// <param name="decisionUtc">When it was decided.</param>
    /// <param name="captureToDecision">Capture to decision on the monotonic clock.</param>
    /// <param name="deadlineMissed">It was still undecided at its decision deadline.</param>
    /// <param name="auditPending">An inspector's verdict on it will follow as an <see cref="AuditRecord"/>.</param>
    public static InspectionRecord Result(
        RecordContext context, string mode, PartFacts part, in PartRouting routing, in PartOutcome outcome, HumanRecord? human,
        DateTimeOffset decisionUtc, TimeSpan captureToDecision, bool deadlineMissed, bool auditPending) =>
        new(
            context.DeviceId,
            context.BootEpochMs,
            part.PartSeq,
            decisionUtc,
            context.Station,
            part.PartId,
            part.Camera,
            part.Frame with { DecisionUtc = decisionUtc, CaptureToDecisionMs = captureToDecision.TotalMilliseconds },
            part.Model,
            mode,
            context.ConfigRevision,
            part.Output,
            human,
            OutcomeRecord.From(outcome, routing) with { DeadlineMissed = deadlineMissed ? true : null, AuditPending = auditPending ? true : null })
        {
            Candidate = part.Candidate,
            Input = part.Input,
        };

    /// <summary>A verdict on a part that was already published decided.</summary>
    /// <param name="result">The part's result record, as published.</param>
    /// <param name="human">The late verdict, or the inspector's timeout.</param>
    /// <param name="kind">Audit of a model decision, or a verdict after the deadline.</param>
    /// <param name="utc">When the verdict (or the timeout) arrived.</param>
    public static AuditRecord Audit(InspectionRecord result, HumanRecord human, AuditKind kind, DateTimeOffset utc)
    {
        var modelVerdict = result.ModelOutput?.Verdict ?? Verdict.Unsure;
        return new AuditRecord(
            result.DeviceId, result.BootEpochMs, result.Seq, utc, result.Station, result.PartId, result.Mode, result.ConfigRevision,
            result.Model, modelVerdict, result.Outcome, human, Agreement(modelVerdict, human.Verdict), kind);
    }

    /// <summary>
    /// The part as one record once its late verdict is known: the result with the inspector's side filled in, for a
    /// sample's sidecar, which should hold everything known about the part.
    /// </summary>
    public static InspectionRecord WithAudit(InspectionRecord result, AuditRecord audit) =>
        result with
        {
            Human = audit.Human,
            Outcome = result.Outcome with { Agreement = audit.Agreement, AuditPending = null },
            SamplePath = audit.SamplePath,
        };
}
