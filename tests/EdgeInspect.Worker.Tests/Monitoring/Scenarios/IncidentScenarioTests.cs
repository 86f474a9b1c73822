using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Promotion;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>
/// The evaluation of docs/drift.md, one test per row: each scenario's frames go through the real decode, input
/// metrics, capture's frame inspection (and, for the frozen camera, the capture loop itself), the reference model in
/// ONNX Runtime, the drift monitor on the package's baseline and the incident engine.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ScenarioFrames.Collection)]
public sealed class IncidentScenarioTests(ScenarioEvaluation evaluation, ITestOutputHelper output)
{
    private ScenarioFrames Frames => evaluation.Frames;

    [Fact]
    public void Three_Thousand_In_Distribution_Frames_Raise_No_Incident_In_Any_Of_Four_Orders()
    {
        foreach (var order in new[] { 20261201, 1, 2, 3 })
        {
            var result = Run(ScenarioLibrary.InDistribution(Frames, order) with { Name = $"in-distribution, order {order}" });

            Assert.Equal(3000, result.Outcome.Frames);
            Assert.Empty(result.Incidents);
        }
    }

    [Fact]
    public void A_Sudden_Dim_Is_Exactly_One_Lighting_Incident_Within_150_Frames_That_Clears_When_The_Light_Returns()
    {
        foreach (var scenario in new[] { ScenarioLibrary.SuddenDim(Frames), ScenarioLibrary.SuddenDimDemo(Frames) })
        {
            var result = Run(scenario);

            var incident = Assert.Single(result.Incidents);
            Assert.Equal(IncidentClass.Lighting, incident.RaisedAs);
            Assert.Equal(IncidentClass.Lighting, incident.Final.Diagnosis.Class);
            Assert.InRange(result.DelayFrames!.Value, 0, 150);
            Assert.Equal(IncidentState.Cleared, incident.Final.State);
            Assert.True(incident.Final.EndedAt > MonitorScenarioDriver.TimeOf(scenario.ChangeSeq!.Value + 600), "it clears only after the light is back");

            // One change, one incident: the alerts it set off are its members, and the messages are a handful.
            Assert.True(incident.Final.Members.Count >= 8, $"{incident.Final.Members.Count} members");
            Assert.True(incident.Messages * 4 < result.Outcome.AlertTransitions, $"{incident.Messages} incident messages for {result.Outcome.AlertTransitions} alert transitions");
            Assert.Contains(incident.Final.Members, m => m.Metric == "brightness");
            Assert.DoesNotContain(incident.Final.Members, m => m.Metric is "chroma_rg" or "chroma_bg");
        }
    }

    [Fact]
    public void A_Gradual_Dim_Is_One_Lighting_Incident()
    {
        var result = Run(ScenarioLibrary.GradualDim(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Lighting, incident.Final.Diagnosis.Class);
        Assert.True(incident.Final.Diagnosis.Confidence > IncidentDiagnoser.NamesOnlyConfidence, "the final diagnosis rests on the evidence");
        Assert.Contains(incident.Final.Members, m => m.Kind == DriftKind.Gradual);
    }

    [Fact]
    public void Blur_Is_One_Focus_Incident()
    {
        var result = Run(ScenarioLibrary.Blur(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Focus, incident.RaisedAs);
        Assert.Equal(IncidentClass.Focus, incident.Final.Diagnosis.Class);
        Assert.Contains(incident.Final.Members, m => m.Metric == "sharpness");
    }

    [Fact]
    public void A_Frozen_Camera_Found_By_The_Capture_Loop_Is_One_Camera_Incident()
    {
        var scenario = ScenarioLibrary.FrozenCamera(Frames);
        var result = Run(scenario);

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Camera, incident.RaisedAs);
        Assert.Equal(IncidentClass.Camera, incident.Final.Diagnosis.Class);
        var frozen = Assert.Single(incident.Final.Members, m => m.Detector == IncidentNames.CaptureDetector);
        Assert.Equal("cam1.frozen_stream", frozen.Name);

        // Capture's own detection: 30 identical frames (CaptureOptions.FrozenFrameCount) after the freeze began.
        Assert.InRange(result.DelayFrames!.Value, 29, 31);

        // The drift alerts the frozen picture sets off later join it rather than raising incidents of their own.
        Assert.True(incident.Final.Members.Count > 5, $"{incident.Final.Members.Count} members");
    }

    [Fact]
    public void A_Label_Only_Concept_Change_Is_One_Concept_Incident_And_Falls_Back_To_Shadow_Where_Configured()
    {
        var result = Run(ScenarioLibrary.ConceptChange(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Concept, incident.RaisedAs);
        Assert.Equal(IncidentClass.Concept, incident.Final.Diagnosis.Class);
        Assert.All(incident.Final.Members, m => Assert.Equal(DetectorFamily.Concept, m.Family));

        // The fall-back rule on diagnosis classes: concept (and product) fall back, lighting does not.
        var gate = new PromotionGate(new PromotionOptions { FallbackToShadow = new() { Enabled = true, Diagnoses = ["concept", "product"] } });
        var raised = result.Outcome.Events.First(e => e.Kind == IncidentEventKind.Raised);
        Assert.Equal(AutomationMode.Shadow, gate.FallbackFor(raised, AutomationMode.Live)?.Mode);
        var lighting = Run(ScenarioLibrary.SuddenDim(Frames)).Outcome.Events.First(e => e.Kind == IncidentEventKind.Raised);
        Assert.Null(gate.FallbackFor(lighting, AutomationMode.Live));
    }

    [Fact]
    public void Every_Part_In_One_Class_Opens_An_Output_Incident_Within_50_Parts()
    {
        var result = Run(ScenarioLibrary.OneClassOutput(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Output, incident.RaisedAs);
        Assert.Equal(IncidentClass.Output, incident.Final.Diagnosis.Class);
        Assert.InRange(result.DelayFrames!.Value, 0, 50);
        Assert.Contains(incident.Final.Members, m => m.Family == DetectorFamily.ClassShare);
    }

    [Fact]
    public void A_Colour_Change_Is_One_Product_Incident()
    {
        var result = Run(ScenarioLibrary.ColourChange(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Product, incident.Final.Diagnosis.Class);
        Assert.Contains(incident.Final.Members, m => m.Metric is "chroma_rg" or "chroma_bg");
    }

    [Fact]
    public void Black_Frames_Are_One_Camera_Incident()
    {
        var result = Run(ScenarioLibrary.BlackFrames(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Camera, incident.RaisedAs);
        Assert.Contains(incident.Final.Members, m => m.Name == "cam1.black_frames");
    }

    [Fact]
    public void The_Evaluation_Table_Meets_Every_Target()
    {
        output.WriteLine(ScenarioResult.TableHeader);
        var misses = new List<string>();
        foreach (var scenario in ScenarioLibrary.All(Frames))
        {
            var result = Run(scenario);
            output.WriteLine(result.TableRow());
            if (!result.MeetsTarget(out var why))
            {
                misses.Add($"{scenario.Name}: {why}");
            }
        }

        Assert.Empty(misses);
    }

    private ScenarioResult Run(Scenario scenario)
    {
        var result = evaluation.Result(scenario);
        foreach (var incident in result.Incidents)
        {
            output.WriteLine($"{scenario.Name}: {incident.Id} raised at {incident.RaisedSeq} as {incident.RaisedAs.Name()}; {incident.Final.Diagnosis.Reason} ({incident.Final.Members.Count} members, {incident.Messages} messages)");
        }

        return result;
    }
}
