using System.Text.Json.Nodes;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline.Quality;

namespace EdgeInspect.Worker.Tests.Pipeline;

/// <summary>
/// No lock is held while a stage waits for room, so a sink that reads the station's state while the output queue is
/// full cannot deadlock it. The single-class pipeline held its statistics lock while an alert waited for room in a
/// full sink queue, and the demo's sink asked for the promotion evaluation, which needed that lock.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BackPressureTests
{
    private static readonly int HoldoutFrames = Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), "*.jpg").Length;

    [Fact]
    public async Task A_Sink_That_Asks_For_The_Promotion_Evaluation_While_The_Output_Queue_Is_Full_Finishes_Within_Its_Timeout()
    {
        var config = StationHarness.Config("shadow");
        config["inspector"] = new JsonObject
        {
            ["backend"] = "scripted",
            ["scripted"] = new JsonObject { ["position"] = "left", ["inspectorId"] = "ana", ["errorRate"] = 0.05, ["responseDelay"] = "00:00:00", ["responseJitter"] = "00:00:00" },
        };
        config["pipeline"]!["labels"] = Path.Combine(RepoPaths.PhoneSet("holdout"), "labels.csv");
        // Drift alerts on every evaluation, repeated every frame: transitions keep coming while the queue is full.
        config["monitoring"] = new JsonObject
        {
            ["windowFrames"] = 10, ["outputWindowFrames"] = 10, ["evaluateEveryFrames"] = 1, ["distanceThreshold"] = 0.0001, ["sequentialLambda"] = 0.001,
            ["consecutiveWindows"] = 1, ["cooldown"] = "00:00:00", ["repeatInterval"] = "00:00:00.001",
        };
        var evaluations = new List<PromotionEvaluation>();
        QualityStage? quality = null;
        var sink = new CollectingSink
        {
            OnPart = part =>
            {
                // What the demo's observer does, on the output task, while every queue behind it is full.
                evaluations.Add(quality!.PromotionEvaluation());
                Assert.NotNull(quality.AgreementSnapshot());
                Thread.Sleep(2);
            },
        };
        await using var station = StationHarness.Create(config, s => s.AddObserver(sink).ConfigurePipeline(p =>
        {
            p.OutputQueue = 1;
            p.StageQueue = 1;
        }));
        quality = station.Pipeline.Quality;

        // A few seconds when no lock is held across a wait; forever (here: a TimeoutException) when one is.
        await station.Runtime.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(HoldoutFrames, sink.Parts.Count);
        Assert.Equal(HoldoutFrames, evaluations.Count);
        Assert.True(sink.Alerts.Count >= HoldoutFrames / 2, $"only {sink.Alerts.Count} alert transitions: the queue was not under alert traffic");
        Assert.Equal(HoldoutFrames, evaluations[^1].Criteria.Single(c => c.Criterion == PromotionCriterion.MinParts).Actual);
        Assert.All(sink.Parts, p => Assert.NotNull(p.Record.Human?.Verdict));
    }
}
