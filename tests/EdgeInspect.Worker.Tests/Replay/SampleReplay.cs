using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Replay;

namespace EdgeInspect.Worker.Tests.Replay;

/// <summary>
/// A realistic replay fed by hand: the holdout frames and their labels (real JPEG bytes for thumbnails), a model
/// that gets a few frames wrong, a lighting drop from frame 100 with a brightness alert raised and later cleared.
/// </summary>
internal static class SampleReplay
{
    public static readonly string[] Classes = ["ok", "scratch", "pit", "discoloration"];

    /// <summary>Frames the fake model gets wrong: it predicts the next class after the label.</summary>
    public static readonly IReadOnlySet<int> Mistakes = new HashSet<int> { 7, 42, 118, 131 };

    public const int DimFrom = 100;
    public const int AlertRaisedAt = 104;
    public const int AlertClearedAt = 140;

    public static ReplayReport Build()
    {
        var holdout = RepoPaths.PhoneSet("holdout");
        var rows = File.ReadAllLines(Path.Combine(holdout, "labels.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = Classes, ExpectedFrames = rows.Length });
        var random = new Random(7);
        for (var i = 0; i < rows.Length; i++)
        {
            var truth = int.Parse(rows[i][1], System.Globalization.CultureInfo.InvariantCulture);
            var predicted = Mistakes.Contains(i) ? (truth + 1) % Classes.Length : truth;
            var score = predicted == 0 ? 0.02 + 0.2 * random.NextDouble() * random.NextDouble() : 0.7 + 0.3 * random.NextDouble();
            var dim = i >= DimFrom && i < AlertClearedAt;
            var preprocess = 0.8 + 0.3 * random.NextDouble();
            var inference = 2.1 + 0.8 * random.NextDouble() + (i % 37 == 0 ? 3 : 0);
            builder.Observe(new FrameObservation
            {
                FrameIndex = i,
                File = rows[i][0],
                TrueClass = truth,
                PredictedClass = predicted,
                DefectScore = (float)score,
                Brightness = (float)((dim ? 64 : 118) + 4 * random.NextDouble()),
                Contrast = (float)((dim ? 21 : 38) + 2 * random.NextDouble()),
                Sharpness = (float)(410 + 40 * random.NextDouble()),
                Preprocess = TimeSpan.FromMilliseconds(preprocess),
                Inference = TimeSpan.FromMilliseconds(inference),
                EndToEnd = TimeSpan.FromMilliseconds(preprocess + inference + 0.4 + 0.2 * random.NextDouble()),
                Image = Mistakes.Contains(i) ? File.ReadAllBytes(Path.Combine(holdout, rows[i][0])) : ReadOnlyMemory<byte>.Empty,
            });
            if (i == AlertRaisedAt)
            {
                builder.Alert(i, "brightness_low", raised: true, "brightness", 65.2);
            }
            else if (i == AlertClearedAt)
            {
                builder.Alert(i, "brightness_low", raised: false, "brightness", 117.9);
            }
        }

        var started = new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.Zero);
        return builder.Build(
            new ReplayRun(new ModelIdentity("phone-defects", "1.0.0", "3f1c0d5e9a7b4c2d8e6f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d"), "tests/data/phone-v1/holdout/frames", "shadow"),
            started,
            started.AddSeconds(1.9));
    }
}
