using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>
/// The evaluation scenarios of docs/drift.md, built from the repository's phone-v1 sets (holdout, dim, blur). Each
/// starts with 1,000 ordinary frames (the windows fill, the disagreement detector gets its history; a false incident
/// there counts), then changes one thing, and most return to normal so the incident must also clear.
/// </summary>
public static class ScenarioLibrary
{
    public const int WarmUp = 1000;

    /// <summary>Gain steps of the fading light, from full to half.</summary>
    public static readonly double[] FadeGains = Enumerable.Range(0, 21).Select(i => Math.Round(1 - (0.025 * i), 3)).ToArray();

    /// <summary>Holdout frames with a camera's small variations: gain ±3%, black level ±2, ±1 noise on one value in eight.</summary>
    public static FrameKey Jittered(Random random, ScenarioFrames bank) =>
        new("holdout", random.Next(bank.Count("holdout")), Math.Round(0.97 + (random.NextDouble() * 0.06), 3), random.Next(-2, 3), random.Next(1, 4));

    /// <param name="bank">The frames.</param>
    /// <param name="order">Seed of the frame order and the inspector's errors; the 600 jittered pictures stay the same.</param>
    public static Scenario InDistribution(ScenarioFrames bank, int order = 20261201)
    {
        // 600 distinct pictures (150 holdout frames, 4 jitters each on average), 3,000 frames in a seeded order.
        var jitter = new Random(20261130);
        var variants = Enumerable.Range(0, 600).Select(_ => Jittered(jitter, bank)).ToArray();
        var b = new ScenarioBuilder(bank, order);
        return b.Add(3000, _ => variants[b.Random.Next(variants.Length)])
            .Build("in-distribution (holdout, jittered)", "none: holdout frames with gain ±3%, offset ±2, pixel noise, shuffled", new ScenarioTarget(0));
    }

    public static Scenario SuddenDim(ScenarioFrames bank, int seed = 11) =>
        new ScenarioBuilder(bank, seed).Add(WarmUp, "holdout").Change().Add(600, "dim").Add(1400, "holdout")
            .Build("sudden dim (dim set)", "the dim set (gain 0.50-0.60) for 600 frames, then the light returns",
                new ScenarioTarget(1, IncidentClass.Lighting, 150));

    public static Scenario SuddenDimDemo(ScenarioFrames bank, int seed = 12)
    {
        var b = new ScenarioBuilder(bank, seed);
        return b.Add(WarmUp, "holdout").Change().Add(600, _ => new FrameKey("holdout", b.Random.Next(bank.Count("holdout")), Gain: 0.55)).Add(1400, "holdout")
            .Build("sudden dim (holdout × 0.55, the demo)", "every holdout pixel × 0.55 for 600 frames, then the light returns",
                new ScenarioTarget(1, IncidentClass.Lighting, 150));
    }

    public static Scenario GradualDim(ScenarioFrames bank, int seed = 17)
    {
        var b = new ScenarioBuilder(bank, seed);
        const int ramp = 900;
        return b.Add(WarmUp, "holdout").Change()
            .Add(ramp, i =>
            {
                var gain = 1 - (0.5 * i / ramp);
                return new FrameKey("holdout", b.Random.Next(bank.Count("holdout")) / 5 * 5, FadeGains.MinBy(g => Math.Abs(g - gain)));
            })
            .Add(300, _ => new FrameKey("holdout", b.Random.Next(bank.Count("holdout")) / 5 * 5, 0.5))
            .Add(1300, "holdout")
            .Build("gradual dim (holdout fading to × 0.5)", "the light fades from 100% to 50% over 900 frames, holds 300, returns",
                new ScenarioTarget(1, IncidentClass.Lighting));
    }

    public static Scenario Blur(ScenarioFrames bank, int seed = 13) =>
        new ScenarioBuilder(bank, seed).Add(WarmUp, "holdout").Change().Add(500, "blur").Add(1500, "holdout")
            .Build("blur (blur set)", "the blur set (defocus σ 2) for 500 frames, then sharp again",
                new ScenarioTarget(1, IncidentClass.Focus));

    public static Scenario FrozenCamera(ScenarioFrames bank, int seed = 19)
    {
        var b = new ScenarioBuilder(bank, seed);
        var stuck = new FrameKey("holdout", b.Random.Next(bank.Count("holdout")));
        return b.Add(800, "holdout").Change().Add(400, _ => stuck).Add(800, "holdout")
            .Build("frozen camera (through capture)", "one holdout frame repeated 400 times, read from files by the capture loop",
                new ScenarioTarget(1, IncidentClass.Camera), throughCapture: true);
    }

    public static Scenario ConceptChange(ScenarioFrames bank, int seed = 23)
    {
        // The inspectors start passing pits (the criteria changed); the pictures are the same holdout frames.
        var pit = bank.ClassNames.ToList().IndexOf("pit");
        var b = new ScenarioBuilder(bank, seed);
        return b.Add(WarmUp, "holdout").Change()
            .Add(1500, _ => new FrameKey("holdout", b.Random.Next(bank.Count("holdout"))), label => label == pit ? bank.OkIndex : label)
            .Build("concept change (pits now pass)", "the inspector's label flips from pit to ok; the images stay holdout frames",
                new ScenarioTarget(1, IncidentClass.Concept));
    }

    public static Scenario OneClassOutput(ScenarioFrames bank, int seed = 29)
    {
        var b = new ScenarioBuilder(bank, seed);
        var discoloured = bank.IndicesOfClass("holdout", bank.ClassNames.ToList().IndexOf("discoloration"));
        return b.Add(WarmUp, "holdout").Change()
            .Add(300, _ => new FrameKey("holdout", discoloured[b.Random.Next(discoloured.Count)]))
            .Add(1200, "holdout")
            .Build("output: every part discoloured", "300 parts in a row are discoloured holdout frames (inputs in distribution)",
                new ScenarioTarget(1, IncidentClass.Output, 50));
    }

    public static Scenario ColourChange(ScenarioFrames bank, int seed = 31)
    {
        var b = new ScenarioBuilder(bank, seed);
        return b.Add(WarmUp, "holdout").Change()
            .Add(600, _ => new FrameKey("holdout", b.Random.Next(bank.Count("holdout")), SwapRedBlue: true))
            .Add(1400, "holdout")
            .Build("colour change (red and blue swapped)", "600 frames with red and blue exchanged (blue covers turn red), then back",
                new ScenarioTarget(1, IncidentClass.Product));
    }

    public static Scenario BlackFrames(ScenarioFrames bank, int seed = 37)
    {
        var b = new ScenarioBuilder(bank, seed);
        return b.Add(WarmUp, "holdout").Change()
            .Add(300, _ => new FrameKey("holdout", b.Random.Next(bank.Count("holdout")) / 10 * 10, Gain: 0.02))
            .Add(1200, "holdout")
            .Build("black frames (lens covered)", "300 frames at 2% light (capture flags them all-black), then back",
                new ScenarioTarget(1, IncidentClass.Camera));
    }

    /// <summary>Every scenario, in table order.</summary>
    public static IReadOnlyList<Scenario> All(ScenarioFrames bank) =>
    [
        InDistribution(bank), SuddenDim(bank), SuddenDimDemo(bank), GradualDim(bank), Blur(bank), FrozenCamera(bank), ConceptChange(bank),
        OneClassOutput(bank), ColourChange(bank), BlackFrames(bank),
    ];
}
