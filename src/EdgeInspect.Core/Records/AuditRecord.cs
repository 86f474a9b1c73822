using EdgeInspect.Core.Inspection;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Records;

/// <summary>Why a human verdict arrived after its part was decided.</summary>
public enum AuditKind
{
    /// <summary>The model decided the part at once; the inspector checked it (live or partial audit, a canary part).</summary>
    Audit,

    /// <summary>The inspector was to decide, but the part reached its decision deadline first and got the no-decision action.</summary>
    AfterDeadline,
}

/// <summary>
/// An inspector's verdict on a part that was already decided and published on <c>result</c>: the "audit" topic payload.
/// The gateway joins it to the result by <see cref="PartId"/> (or by <see cref="BootEpochMs"/> and <see cref="Seq"/>).
/// </summary>
/// <remarks>
/// Decisions never wait for an auditor: the result goes out at decision time with <c>outcome.auditPending</c> set,
/// and this record follows when the verdict comes or the inspector times out (<see cref="HumanRecord.TimedOut"/>).
/// Add fields, never rename or remove them without a new <see cref="Schema"/>.
/// </remarks>
/// <param name="Seq">The part's record seq, as on its result.</param>
/// <param name="Utc">When the verdict arrived (or the inspector timed out).</param>
/// <param name="Mode">The mode the part was routed in.</param>
/// <param name="ModelVerdict">What the active model said.</param>
/// <param name="Outcome">The part's outcome as published on its result.</param>
/// <param name="Human">The verdict, or the timeout.</param>
/// <param name="Agreement">Model verdict equals the human pass/fail verdict; null without one.</param>
public sealed record AuditRecord(
    string DeviceId,
    long BootEpochMs,
    long Seq,
    DateTimeOffset Utc,
    StationRef Station,
    string PartId,
    string Mode,
    string ConfigRevision,
    ModelRef Model,
    Verdict ModelVerdict,
    OutcomeRecord Outcome,
    HumanRecord Human,
    bool? Agreement,
    AuditKind Kind)
{
    public const string SchemaName = "edgeinspect.audit.v1";

    public string Schema { get; init; } = SchemaName;

    /// <summary>Where the part's sample was saved, when the verdict made it worth saving; otherwise null.</summary>
    public string? SamplePath { get; init; }
}
