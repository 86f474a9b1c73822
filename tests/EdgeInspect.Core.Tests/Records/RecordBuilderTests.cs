using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Core.Tests.Records;

public sealed class RecordBuilderTests
{
    private static readonly DateTimeOffset Captured = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly RecordContext Context = new("dev-1", 1795354195036, new StationRef("s", "a", "l", "st"), "r7");

    private static PartFacts Part(Verdict model = Verdict.Fail) => new(
        42,
        "st-1795354195036-42",
        new FrameRecord(42, FrameTrigger.FreeRun, 0, Captured, default, 0),
        1_000,
        new CameraRecord("cam0", 640, 480, 10, null, null, null),
        new ModelRef("m", "1.0.0", new string('a', 64)),
        new ModelOutputRecord("scratch", 0.97, [0.03, 0.97], model, false, 2.5),
        null,
        null);

    [Fact]
    public void A_Result_Is_Stamped_At_Its_Decision_And_Says_An_Audit_Will_Follow()
    {
        var policy = new DecisionPolicy(AutomationMode.Live, 0.1, 1.0, 0, NoDecisionAction.Reject);
        var part = Part();
        var routing = policy.Route(part.PartId, part.Summary);
        var outcome = policy.Decide(routing, part.Summary, null);

        var record = RecordBuilder.Result(Context, "live", part, routing, outcome, null, Captured.AddMilliseconds(4), TimeSpan.FromMilliseconds(4.2), deadlineMissed: false, auditPending: true);

        Assert.Equal((42L, "st-1795354195036-42", "r7"), (record.Seq, record.PartId, record.ConfigRevision));
        Assert.Equal((Captured.AddMilliseconds(4), 4.2), (record.Frame.DecisionUtc, record.Frame.CaptureToDecisionMs));
        Assert.Equal((FinalDecision.Fail, DecidedBy.Model, Actuation.Reject), (record.Outcome.Decision, record.Outcome.DecidedBy, record.Outcome.Actuation));
        Assert.True(record.Outcome.AuditPending);
        Assert.Null(record.Outcome.DeadlineMissed);
        Assert.Null(record.Human);

        using var json = JsonDocument.Parse(RecordJson.Serialize(record));
        var wire = json.RootElement.GetProperty("outcome");
        Assert.True(wire.GetProperty("auditPending").GetBoolean());
        Assert.False(wire.TryGetProperty("deadlineMissed", out _), "a field that is not true is left out");
    }

    [Fact]
    public void An_Audit_Joins_Its_Result_By_Part_And_Carries_The_Agreement()
    {
        var policy = new DecisionPolicy(AutomationMode.Live, 0.1, 1.0, 0, NoDecisionAction.Reject);
        var part = Part(Verdict.Fail);
        var routing = policy.Route(part.PartId, part.Summary);
        var result = RecordBuilder.Result(Context, "live", part, routing, policy.Decide(routing, part.Summary, null), null, Captured, TimeSpan.FromMilliseconds(3), false, true);
        var human = new HumanRecord("ana", "left", Verdict.Pass, false, 280, Audit: true);

        var audit = RecordBuilder.Audit(result, human, AuditKind.Audit, Captured.AddMilliseconds(300));

        Assert.Equal((result.PartId, result.Seq, result.BootEpochMs), (audit.PartId, audit.Seq, audit.BootEpochMs));
        Assert.Equal((Verdict.Fail, (bool?)false), (audit.ModelVerdict, audit.Agreement));
        Assert.Equal(result.Outcome, audit.Outcome);
        using var json = JsonDocument.Parse(RecordJson.SerializeToUtf8(audit));
        Assert.Equal(AuditRecord.SchemaName, json.RootElement.GetProperty("schema").GetString());
        Assert.Equal("audit", json.RootElement.GetProperty("kind").GetString());

        var sidecar = RecordBuilder.WithAudit(result, audit with { SamplePath = "st-1.jpg" });
        Assert.Equal((human, (bool?)false, "st-1.jpg"), (sidecar.Human, sidecar.Outcome.Agreement, sidecar.SamplePath));
        Assert.Null(sidecar.Outcome.AuditPending);
    }

    [Fact]
    public void A_Missed_Deadline_Gets_The_No_Decision_Action_Configured()
    {
        var hold = new DecisionPolicy(AutomationMode.Shadow, 0.1, 0.02, 0, NoDecisionAction.Hold, TimeSpan.FromSeconds(1));
        var reject = new DecisionPolicy(AutomationMode.Shadow, 0.1, 0.02, 0, NoDecisionAction.Reject, TimeSpan.FromSeconds(1));

        Assert.Equal(new PartOutcome(FinalDecision.NoDecision, DecidedBy.None, Actuation.Hold, null), hold.DeadlineMissed());
        Assert.Equal(Actuation.Reject, reject.DeadlineMissed().Actuation);
        Assert.Equal(TimeSpan.FromSeconds(1), reject.WithMode(AutomationMode.Live).DecisionDeadline);
    }

    [Fact]
    public void A_Decision_Deadline_Must_Be_Positive_And_At_Most_Ten_Minutes()
    {
        foreach (var (deadline, valid) in new (TimeSpan?, bool)[] { (null, true), (TimeSpan.FromMilliseconds(1500), true), (TimeSpan.Zero, false), (TimeSpan.FromMinutes(11), false) })
        {
            var errors = new List<EdgeInspect.Core.Configuration.ConfigError>();
            new AutomationOptions { DecisionDeadline = deadline }.Validate("automation", errors);
            Assert.Equal(valid, errors.Count == 0);
            Assert.All(errors, e => Assert.Equal("automation:decisionDeadline", e.Path));
        }
    }

    [Fact]
    public void Input_Statistics_Are_Absent_When_None_Were_Computed()
    {
        Assert.Null(RecordBuilder.InputOf(default));
        Assert.Null(RecordBuilder.Agreement(Verdict.Fail, Verdict.Unsure));
        Assert.True(RecordBuilder.Agreement(Verdict.Pass, Verdict.Pass));
    }
}
