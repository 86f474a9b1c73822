using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Records;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline.Control;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeInspect.Worker.Tests.Pipeline;

/// <summary>
/// Decisions never wait for an auditor, and a part still undecided at its deadline gets the no-decision action: the
/// real pipeline on the holdout frames and the reference model, with an inspector the test presses for.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DecisionTests
{
    private static readonly int HoldoutFrames = Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), "*.jpg").Length;

    [Fact]
    public async Task In_Live_An_Audited_Part_Is_Decided_And_Actuated_Before_Its_Auditor_Answers()
    {
        var sink = new CollectingSink();
        var inspector = new ManualInspector();
        var outputs = new RecordingOutputs();
        await using var station = StationHarness.Create(StationHarness.Config("live", auditFraction: 1.0),
            s => s.UseInspectorInput(inspector).UseOutputs(outputs).AddObserver(sink));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        inspector.Start(stop.Token);
        var running = station.Runtime.RunAsync(stop.Token);

        // Every part is audited, and nobody has answered: the results are out anyway, decided by the model.
        await Wait.UntilAsync(() => sink.Parts.Count == HoldoutFrames, "every part's result before any audit verdict");
        Assert.Equal(0, inspector.FirstPressTimestamp);
        var results = sink.Parts.Select(p => p.Record).ToList();
        Assert.All(results, r =>
        {
            Assert.Equal(DecidedBy.Model, r.Outcome.DecidedBy);
            Assert.Equal(r.ModelOutput!.Verdict == Verdict.Fail ? FinalDecision.Fail : FinalDecision.Pass, r.Outcome.Decision);
            Assert.True(r.Outcome.AuditPending);
            Assert.Null(r.Human);
        });
        var rejects = results.Count(r => r.Outcome.Actuation == Actuation.Reject);
        Assert.InRange(rejects, 1, HoldoutFrames - 1);
        Assert.Equal(rejects, outputs.RejectPulses.Count);
        Assert.Empty(sink.Audits);

        // The auditor answers now: each verdict comes back as its own record, and changes no decision.
        foreach (var result in results.OrderBy(r => r.Seq))
        {
            inspector.Press(result.ModelOutput!.Verdict);
        }

        await running.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(HoldoutFrames, sink.Audits.Count);
        Assert.All(sink.Audits, a =>
        {
            Assert.Equal(AuditKind.Audit, a.Kind);
            Assert.True(a.Human.Audit);
            Assert.True(a.Agreement);
            Assert.Equal(DecidedBy.Model, a.Outcome.DecidedBy);
        });
        Assert.Equal(results.Select(r => r.PartId).Order(), sink.Audits.Select(a => a.PartId).Order());
        Assert.Equal(rejects, outputs.RejectPulses.Count);
        Assert.All(outputs.RejectPulses, pulse => Assert.True(pulse < inspector.FirstPressTimestamp));
        Assert.Equal(HoldoutFrames, station.Pipeline.Quality.AgreementSnapshot().ModelVsHuman.Cumulative.Parts);
    }

    [Fact]
    public async Task A_Part_Still_Waiting_For_Its_Inspector_At_The_Deadline_Gets_The_No_Decision_Action_And_Is_Counted()
    {
        var sink = new CollectingSink();
        var inspector = new ManualInspector();
        var outputs = new RecordingOutputs();
        await using var station = StationHarness.Create(StationHarness.Config("shadow", decisionDeadline: "00:00:00.300"),
            s => s.UseInspectorInput(inspector).UseOutputs(outputs).AddObserver(sink));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        inspector.Start(stop.Token);
        var running = station.Runtime.RunAsync(stop.Token);

        await Wait.UntilAsync(() => sink.Parts.Count == HoldoutFrames, "every part decided at its deadline");
        var results = sink.Parts.Select(p => p.Record).ToList();
        Assert.All(results, r =>
        {
            Assert.Equal(FinalDecision.NoDecision, r.Outcome.Decision);
            Assert.Equal(DecidedBy.None, r.Outcome.DecidedBy);
            Assert.Equal(Actuation.Reject, r.Outcome.Actuation);
            Assert.True(r.Outcome.DeadlineMissed);
            Assert.True(r.Outcome.AuditPending);
            // Decided at the deadline: not before it, and long before the 30 s verdict timeout.
            Assert.InRange(r.Frame.CaptureToDecisionMs, 300, 20_000);
        });
        Assert.Equal(HoldoutFrames, station.Pipeline.Routing.DeadlinesMissed);
        Assert.Equal(HoldoutFrames, outputs.RejectPulses.Count);
        Assert.Equal(HoldoutFrames, station.Pipeline.Metrics.Build().Values["pipeline.decisions.deadline_missed"]);

        // The inspector's late verdicts only feed agreement, published as verdicts after the deadline.
        foreach (var result in results.OrderBy(r => r.Seq))
        {
            inspector.Press(result.ModelOutput!.Verdict);
        }

        await running.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(HoldoutFrames, sink.Audits.Count);
        Assert.All(sink.Audits, a => Assert.Equal(AuditKind.AfterDeadline, a.Kind));
        Assert.Equal(HoldoutFrames, outputs.RejectPulses.Count);
    }

    [Fact]
    public async Task A_Part_The_Model_Decides_After_Its_Deadline_Gets_The_No_Decision_Action()
    {
        using var frames = new TempDirectory("edgeinspect-late");
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), "*.jpg").Order(StringComparer.Ordinal).Take(8))
        {
            File.Copy(file, Path.Combine(frames.Path, Path.GetFileName(file)));
        }

        var sink = new CollectingSink();
        var outputs = new RecordingOutputs();
        // Inference slower than the deadline: every part reaches routing already late.
        await using var station = StationHarness.Create(StationHarness.Config("live", decisionDeadline: "00:00:00.050", auditFraction: 0, frames: frames.Path),
            s => s.UseOutputs(outputs).AddObserver(sink).Services.AddSingleton<IModelLoader>(new SlowModels(TimeSpan.FromMilliseconds(120))));

        await station.Runtime.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(8, sink.Parts.Count);
        Assert.All(sink.Parts, p =>
        {
            Assert.Equal(FinalDecision.NoDecision, p.Record.Outcome.Decision);
            Assert.True(p.Record.Outcome.DeadlineMissed);
            Assert.Null(p.Record.Outcome.AuditPending);
            Assert.NotNull(p.Record.ModelOutput);
        });
        Assert.Equal(8, station.Pipeline.Routing.DeadlinesMissed);
        Assert.Equal(8, outputs.RejectPulses.Count);
    }

    /// <summary>The reference model, made slower than a decision deadline.</summary>
    private sealed class SlowModels(TimeSpan delay) : IModelLoader
    {
        public IInferenceModel Load(string packageFolder) => new Slow(OnnxModel.Load(packageFolder), delay);

        private sealed class Slow(IInferenceModel model, TimeSpan delay) : IInferenceModel
        {
            public ModelIdentity Identity => model.Identity;

            public ModelManifest Manifest => model.Manifest;

            public Prediction Predict(Frame frame)
            {
                Thread.Sleep(delay);
                return model.Predict(frame);
            }

            public void Dispose() => model.Dispose();
        }
    }
}
