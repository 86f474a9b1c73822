using EdgeInspect.Core.Models;
using EdgeInspect.Worker.Replay;

namespace EdgeInspect.Worker.Tests.Replay;

public sealed class ReplayReportBuilderTests
{
    private static readonly string[] Classes = ["ok", "scratch", "pit", "discoloration"];
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ReplayRun Run = new(new ModelIdentity("m", "1", "abc"), "frames", "shadow");

    private static FrameObservation Frame(long index, int truth, int predicted, float score) =>
        new() { FrameIndex = index, TrueClass = truth, PredictedClass = predicted, DefectScore = score };

    [Fact]
    public void Precision_Recall_And_Accuracy_Match_A_Hand_Counted_Confusion_Matrix()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        // (truth, predicted, count): ok 5 right + 1 called pit; scratch 3 right + 1 called ok; pit 2 right; discoloration 2 called scratch.
        var cells = new (int T, int P, int N)[] { (0, 0, 5), (0, 2, 1), (1, 1, 3), (1, 0, 1), (2, 2, 2), (3, 1, 2) };
        var i = 0;
        foreach (var (t, p, n) in cells)
        {
            for (var k = 0; k < n; k++)
            {
                builder.Observe(Frame(i++, t, p, p == 0 ? 0.1f : 0.9f));
            }
        }

        var e = builder.Build(Run, Start, Start.AddSeconds(2)).Evaluation!;

        Assert.Equal(14, e.LabelledFrames);
        Assert.Equal(10, e.Correct);
        Assert.Equal(10.0 / 14, e.Accuracy, 12);
        Assert.Equal([5L, 0, 1, 0], e.ConfusionMatrix[0]);
        Assert.Equal([0L, 2, 0, 0], e.ConfusionMatrix[3]);
        Assert.Equal(5.0 / 6, e.Classes[0].Precision!.Value, 12); // predicted ok: 5 ok + 1 scratch
        Assert.Equal(5.0 / 6, e.Classes[0].Recall!.Value, 12);
        Assert.Equal(3.0 / 5, e.Classes[1].Precision!.Value, 12); // predicted scratch: 3 + 2 discoloration
        Assert.Equal(3.0 / 4, e.Classes[1].Recall!.Value, 12);
        Assert.Equal(2.0 / 3, e.Classes[2].Precision!.Value, 12);
        Assert.Equal(1.0, e.Classes[2].Recall!.Value, 12);
        Assert.Null(e.Classes[3].Precision); // never predicted
        Assert.Equal(0.0, e.Classes[3].Recall!.Value, 12);
        Assert.Equal(2, e.Classes[3].Support);
    }

    [Fact]
    public void Binary_View_Judges_Defects_By_Score_Against_The_Threshold_Not_By_Class()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes, DefectThreshold = 0.5 });
        builder.Observe(Frame(0, 0, 0, 0.1f));  // true negative
        builder.Observe(Frame(1, 0, 0, 0.5f));  // at the threshold counts as flagged: false alarm
        builder.Observe(Frame(2, 1, 2, 0.9f));  // wrong class but caught: true positive
        builder.Observe(Frame(3, 2, 0, 0.3f));  // missed
        builder.Observe(Frame(4, 3, 3, 0.8f));  // caught

        var b = builder.Build(Run, Start, Start.AddSeconds(1)).Evaluation!.Binary;

        Assert.Equal((2L, 3L, 2L, 1L, 1L, 1L), (b.OkFrames, b.DefectFrames, b.TruePositives, b.FalseNegatives, b.FalsePositives, b.TrueNegatives));
        Assert.Equal(2.0 / 3, b.DefectRecall!.Value, 12);
        Assert.Equal(0.5, b.FalseAlarmRate!.Value, 12);
    }

    [Fact]
    public void Score_Histogram_Bins_Are_Half_Open_And_A_Score_Of_One_Lands_In_The_Last_Bin()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes, ScoreBins = 20 });
        var scores = new[] { 0f, 0.049f, 0.05f, 0.5f, 0.97f, 1f };
        for (var i = 0; i < scores.Length; i++)
        {
            builder.Observe(Frame(i, i < 3 ? 0 : 1, i < 3 ? 0 : 1, scores[i]));
        }

        var h = builder.Build(Run, Start, Start.AddSeconds(1)).Scores;

        Assert.Equal(21, h.BinEdges.Count);
        Assert.Equal(0.05, h.BinEdges[1], 12);
        Assert.Equal(2, h.All[0]);
        Assert.Equal(1, h.All[1]);
        Assert.Equal(1, h.All[10]);
        Assert.Equal(2, h.All[19]);
        Assert.Equal(6, h.All.Sum());
        Assert.Equal(3, h.Ok!.Sum());
        Assert.Equal(0, h.Ok![19]);
        Assert.Equal(2, h.Defect![19]);
    }

    [Fact]
    public void An_Unlabelled_Run_Has_No_Evaluation_And_No_Split_Histogram()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        builder.Observe(new FrameObservation { FrameIndex = 0, PredictedClass = 1, DefectScore = 0.9f });

        var report = builder.Build(Run, Start, Start.AddSeconds(1));

        Assert.Null(report.Evaluation);
        Assert.Null(report.Scores.Ok);
        Assert.Equal(1, report.Scores.All.Sum());
        Assert.Equal(0, report.Run.LabelledFrames);
        Assert.Equal(0, report.Disagreements.Total);
    }

    [Fact]
    public void Latency_Percentiles_Interpolate_Between_Ranks()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        foreach (var ms in Enumerable.Range(1, 100).Reverse())
        {
            builder.Observe(new FrameObservation { FrameIndex = ms, PredictedClass = 0, DefectScore = 0, EndToEnd = TimeSpan.FromMilliseconds(ms) });
        }

        var e2e = builder.Build(Run, Start, Start.AddSeconds(1)).Latency.Stages.Single(s => s.Stage == LatencyStages.EndToEnd);

        Assert.Equal(50.5, e2e.P50Ms, 6);
        Assert.Equal(95.05, e2e.P95Ms, 6);
        Assert.Equal(99.01, e2e.P99Ms, 6);
        Assert.Equal(100, e2e.MaxMs, 6);
        Assert.Equal(50.5, e2e.MeanMs, 6);
        Assert.False(e2e.LastBinIncludesOverflow);
        Assert.Equal(100, e2e.Counts.Sum());
    }

    [Fact]
    public void A_Far_Latency_Outlier_Is_Folded_Into_The_Last_Bin_Instead_Of_Stretching_The_Axis()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes, LatencyBins = 10 });
        for (var i = 0; i < 1000; i++)
        {
            builder.Observe(new FrameObservation { FrameIndex = i, PredictedClass = 0, DefectScore = 0, Inference = TimeSpan.FromMilliseconds(i == 999 ? 500 : 2 + (i % 10) * 0.1) });
        }

        var inference = builder.Build(Run, Start, Start.AddSeconds(1)).Latency.Stages.Single(s => s.Stage == LatencyStages.Inference);

        Assert.True(inference.LastBinIncludesOverflow);
        Assert.Equal(500, inference.MaxMs, 3);
        Assert.True(inference.HistogramTopMs < 10, $"top {inference.HistogramTopMs}");
        Assert.Equal(1000, inference.Counts.Sum());
        Assert.True(inference.Counts[^1] >= 1);
    }

    [Fact]
    public void A_Long_Run_Is_Downsampled_To_At_Most_2000_Points_And_Keeps_Every_Alert_At_Its_Exact_Frame()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        for (var i = 0; i < 10_001; i++)
        {
            builder.Observe(new FrameObservation { FrameIndex = i, PredictedClass = 0, DefectScore = 0, Brightness = i < 5000 ? 120 : 60, Contrast = 30, Sharpness = i });
            if (i == 3_333)
            {
                builder.Alert(i, "brightness_low", raised: true, "brightness", 60);
            }

            if (i == 7_777)
            {
                builder.Alert(i, "brightness_low", raised: false, "brightness", 118);
            }
        }

        var timeline = builder.Build(Run, Start, Start.AddSeconds(10)).Timeline;

        Assert.True(timeline.Points.Count <= 2000, $"{timeline.Points.Count} points");
        Assert.Equal(6, timeline.BucketSize);
        Assert.Equal(10_001, timeline.TotalFrames);
        Assert.Equal(0, timeline.Points[0].FrameIndex);
        Assert.Equal(9_996, timeline.Points[^1].FrameIndex);  // the last, partial bucket (5 frames) is kept
        Assert.Equal(2.5, timeline.Points[0].Sharpness, 9);   // mean of frames 0..5
        Assert.Equal(120, timeline.Points[0].Brightness, 9);
        Assert.Equal([(3_333L, "raised"), (7_777L, "cleared")], timeline.Alerts.Select(a => (a.FrameIndex, a.State)));
    }

    [Fact]
    public void A_Short_Run_Keeps_Every_Frame_On_The_Timeline()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        for (var i = 0; i < 150; i++)
        {
            builder.Observe(new FrameObservation { FrameIndex = i, PredictedClass = 0, DefectScore = 0, Brightness = i });
        }

        var timeline = builder.Build(Run, Start, Start.AddSeconds(1)).Timeline;

        Assert.Equal(1, timeline.BucketSize);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (double)i), timeline.Points.Select(p => p.Brightness));
    }

    [Fact]
    public void Disagreements_Carry_A_Jpeg_Data_Uri_And_Stop_Being_Listed_At_The_Limit_But_Are_Still_Counted()
    {
        var jpeg = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 };
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes, MaxDisagreementsShown = 2 });
        Assert.False(builder.Observe(Frame(0, 1, 1, 0.9f) with { Image = jpeg }));
        Assert.True(builder.Observe(Frame(1, 1, 0, 0.2f) with { File = "frames/00001.jpg", Image = jpeg }));
        Assert.True(builder.Observe(Frame(2, 2, 0, 0.1f) with { Image = new byte[] { 1, 2, 3, 4 } }));
        Assert.True(builder.Observe(Frame(3, 3, 0, 0.1f) with { Image = jpeg }));

        var d = builder.Build(Run, Start, Start.AddSeconds(1)).Disagreements;

        Assert.Equal(3, d.Total);
        Assert.Equal(2, d.Frames.Count);
        Assert.Equal(new Disagreement(1, "frames/00001.jpg", "scratch", "ok", 0.2, "data:image/jpeg;base64," + Convert.ToBase64String(jpeg)), d.Frames[0]);
        Assert.Null(d.Frames[1].Thumbnail); // not a JPEG: no thumbnail rather than a broken image
        Assert.Equal("frame 2", d.Frames[1].File);
    }

    [Fact]
    public void Run_Summary_Computes_Fps_From_Frames_And_Duration()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });
        for (var i = 0; i < 300; i++)
        {
            builder.Observe(Frame(i, 0, 0, 0));
        }

        var run = builder.Build(Run, Start, Start.AddSeconds(2.5)).Run;

        Assert.Equal(300, run.Frames);
        Assert.Equal(2.5, run.DurationSeconds, 9);
        Assert.Equal(120, run.Fps, 9);
        Assert.Equal("shadow", run.Mode);
    }

    [Fact]
    public void A_Class_Index_Outside_The_Class_Names_Is_Rejected()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes });

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Observe(Frame(0, 0, 4, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Observe(Frame(0, -1, 0, 0)));
        Assert.Equal(0, builder.Frames);
    }
}
