using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Core.Tests.Monitoring;

/// <summary>
/// Output drift that cannot be missed: a model that calls every part one class, or a defect rate that leaves its
/// reference band, must open an output incident within 50 parts. The baseline is the reference package's own
/// (class mix ok 56.7%, scratch 18%, pit 14%, discoloration 11.3%; defect rate 43.3%).
/// </summary>
public sealed class OutputDriftTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<DriftBaseline> Reference = new(() =>
    {
        var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "reference", "model.json")))!;
        return DriftBaseline.FromJson((JsonObject)manifest[DriftBaseline.ManifestProperty]!);
    });

    [Fact]
    public void The_Reference_Package_Baseline_Carries_Its_Class_Mix()
    {
        var classes = Reference.Value.Classes!;

        Assert.Equal(["ok", "scratch", "pit", "discoloration"], classes.Select(c => c.Name));
        Assert.Equal(1.0, classes.Sum(c => c.Share), 6);
        Assert.Equal(Reference.Value.DefectRate!.Value, 1 - classes[0].Share, 6);
    }

    [Fact]
    public void A_Stream_Where_Every_Part_Is_Discoloration_Opens_An_Output_Incident_Within_50_Parts()
    {
        // The demo's stream: every part predicted "discoloration" (score 0.99). The 300-part score window alerted
        // after 124 parts; the class share's short band must do it within 50.
        var monitor = new DriftMonitor("cam1", Reference.Value, new MonitoringOptions());
        var engine = new IncidentEngine(new IncidentOptions());
        var random = new Random(5);
        var seq = 0;
        var transitions = new List<AlertTransition>();
        for (; seq < 600; seq++)
        {
            var c = ReferenceClass(random);
            monitor.ObservePrediction(c, Score(c, random), seq, T0.AddSeconds(seq * 0.1));
        }

        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Family is DetectorFamily.ClassShare or DetectorFamily.DefectRateBand);
        transitions.Clear();

        var changeAt = seq;
        var events = new List<IncidentEvent>();
        for (; seq < changeAt + 200 && events.Count == 0; seq++)
        {
            monitor.ObservePrediction(3, 0.99, seq, T0.AddSeconds(seq * 0.1));
            transitions.Clear();
            monitor.DrainTransitions(transitions);
            foreach (var t in transitions)
            {
                engine.Observe(t, monitor.GetEvidence());
            }

            engine.DrainEvents(events);
        }

        var raised = Assert.Single(events);
        Assert.Equal(IncidentEventKind.Raised, raised.Kind);
        Assert.InRange(raised.Incident.RaisedSeq - changeAt, 0, 50);
        Assert.Equal(IncidentClass.Output, raised.Incident.Diagnosis.Class);
        var share = Assert.Single(raised.Incident.Members, m => m.Family == DetectorFamily.ClassShare);
        Assert.Equal(0.113, share.ReferenceValue, 3);
        Assert.True(share.CurrentValue > 0.4, $"window share {share.CurrentValue}");
    }

    [Fact]
    public void A_One_Class_Stream_From_The_First_Part_Alerts_Within_50_Parts_Too()
    {
        var monitor = new DriftMonitor("cam1", Reference.Value, new MonitoringOptions());
        var transitions = new List<AlertTransition>();

        for (var seq = 0; seq < 50; seq++)
        {
            monitor.ObservePrediction(1, 0.95, seq, T0.AddSeconds(seq * 0.1));
        }

        monitor.DrainTransitions(transitions);
        Assert.Contains(transitions, t => t is { Name: "cam1.class_share", To: AlertState.Alert });
    }

    [Fact]
    public void A_Defect_Rate_Leaving_Its_Band_Alerts_Within_50_Parts_Even_Without_Classes()
    {
        // The score-only path (ObservePrediction without a class): the defect rate jumps from 43% to 90%.
        var monitor = new DriftMonitor("cam1", Reference.Value, new MonitoringOptions());
        var random = new Random(6);
        var transitions = new List<AlertTransition>();
        var seq = 0;
        for (; seq < 600; seq++)
        {
            monitor.ObservePrediction(random.NextDouble() < 0.433 ? 0.9 : 0.05, seq, T0.AddSeconds(seq * 0.1));
        }

        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Family == DetectorFamily.DefectRateBand);
        transitions.Clear();
        var changeAt = seq;
        for (; seq < changeAt + 50; seq++)
        {
            monitor.ObservePrediction(random.NextDouble() < 0.9 ? 0.9 : 0.05, seq, T0.AddSeconds(seq * 0.1));
        }

        monitor.DrainTransitions(transitions);
        var band = Assert.Single(transitions, t => t.To == AlertState.Alert && t.Family == DetectorFamily.DefectRateBand);
        Assert.Equal(("cam1.defect_rate.band", DetectorFamily.DefectRateBand), (band.Name, band.Family));
        Assert.True(band.CurrentValue > band.ReferenceValue + 0.2);
        Assert.DoesNotContain(transitions, t => t.Name == "cam1.class_share");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Five_Thousand_Parts_Drawn_From_The_Reference_Mix_Raise_No_Band_Alert(int seed)
    {
        var monitor = new DriftMonitor("cam1", Reference.Value, new MonitoringOptions());
        var random = new Random(seed);
        for (var seq = 0; seq < 5000; seq++)
        {
            var c = ReferenceClass(random);
            monitor.ObservePrediction(c, Score(c, random), seq, T0.AddSeconds(seq * 0.1));
        }

        var transitions = new List<AlertTransition>();
        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Family is DetectorFamily.ClassShare or DetectorFamily.DefectRateBand);
    }

    [Fact]
    public void A_Baseline_Without_A_Class_Mix_Has_No_Class_Share_Alert()
    {
        var random = new Random(2);
        var builder = new DriftBaselineBuilder(RegionOfInterest.ReferenceStation);
        for (var i = 0; i < 50; i++)
        {
            builder.Add(new InputMetrics(100, 40, 150, 0, 0, 100, 100, 100), random.NextDouble());
        }

        var monitor = new DriftMonitor("cam1", builder.Build(), new MonitoringOptions());

        Assert.DoesNotContain("cam1.class_share", monitor.AlertNames);
        Assert.Contains("cam1.defect_rate.band", monitor.AlertNames);
        Assert.Null(monitor.ClassNames);
    }

    private static int ReferenceClass(Random random)
    {
        var u = random.NextDouble();
        foreach (var (share, index) in Reference.Value.Classes!.Select((c, i) => (c.Share, i)))
        {
            if (u < share)
            {
                return index;
            }

            u -= share;
        }

        return 0;
    }

    private static double Score(int classIndex, Random random) => classIndex == 0 ? random.NextDouble() * 0.1 : 0.9 + (random.NextDouble() * 0.1);
}
