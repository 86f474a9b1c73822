using EdgeInspect.Core.Monitoring.Incidents;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>
/// The acceptance table of issue 14 (docs/drift.md), one test per row, on real frames through the real pipeline as
/// `edgeinspect replay` runs it: JPEG files read by the capture loop, the reference model in ONNX Runtime, the scripted
/// inspector answering from the scenario's labels, the quality and incident stages, and report.json's incidents
/// (<see cref="PipelineScenarioDriver"/>). <see cref="IncidentScenarioTests"/> runs the same scenarios, and more, on
/// the monitoring parts alone.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ScenarioFrames.Collection)]
public sealed class IncidentReplayTests(ScenarioEvaluation evaluation, ITestOutputHelper output)
{
    private ScenarioFrames Frames => evaluation.Frames;

    [Fact]
    public void Three_Thousand_In_Distribution_Frames_Through_The_Pipeline_Raise_No_Incident()
    {
        var result = Run(ScenarioLibrary.InDistribution(Frames));

        Assert.Equal(3000, result.Outcome.Frames);
        Assert.Empty(result.Incidents);
    }

    [Fact]
    public void A_Sudden_Dim_Through_The_Pipeline_Is_Exactly_One_Lighting_Incident_Within_150_Frames()
    {
        var scenario = ScenarioLibrary.SuddenDim(Frames);
        var result = Run(scenario);

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Lighting, incident.RaisedAs);
        Assert.Equal(IncidentClass.Lighting, incident.Final.Diagnosis.Class);
        Assert.InRange(result.DelayFrames!.Value, 0, 150);
        Assert.Equal(IncidentState.Cleared, incident.Final.State);
        Assert.True(incident.Final.EndSeq > scenario.ChangeSeq + 600, $"it clears only after the light is back (frame {incident.Final.EndSeq})");
        Assert.Contains(incident.Final.Members, m => m.Metric == "brightness");
        Assert.DoesNotContain(incident.Final.Members, m => m.Metric is "chroma_rg" or "chroma_bg");
        Assert.True(incident.Messages * 4 < result.Outcome.AlertTransitions, $"{incident.Messages} incident messages for {result.Outcome.AlertTransitions} alert transitions");
    }

    [Fact]
    public void Blur_Through_The_Pipeline_Is_One_Focus_Incident()
    {
        var result = Run(ScenarioLibrary.Blur(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Focus, incident.RaisedAs);
        Assert.Equal(IncidentClass.Focus, incident.Final.Diagnosis.Class);
        Assert.Contains(incident.Final.Members, m => m.Metric == "sharpness");
    }

    [Fact]
    public void A_Frozen_Camera_Through_The_Pipeline_Is_One_Camera_Incident()
    {
        var result = Run(ScenarioLibrary.FrozenCamera(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Camera, incident.RaisedAs);
        Assert.Equal(IncidentClass.Camera, incident.Final.Diagnosis.Class);
        Assert.Contains(incident.Final.Members, m => m.Name == "replay.frozen_stream");
        Assert.InRange(result.DelayFrames!.Value, 0, 60);
    }

    [Fact]
    public void A_Label_Only_Concept_Change_Through_The_Pipeline_Is_One_Concept_Incident()
    {
        var result = Run(ScenarioLibrary.ConceptChange(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Concept, incident.RaisedAs);
        Assert.Equal(IncidentClass.Concept, incident.Final.Diagnosis.Class);
    }

    [Fact]
    public void One_Class_For_Most_Parts_Through_The_Pipeline_Opens_An_Output_Incident_Within_50_Parts()
    {
        var result = Run(ScenarioLibrary.OneClassOutput(Frames));

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(IncidentClass.Output, incident.RaisedAs);
        Assert.Equal(IncidentClass.Output, incident.Final.Diagnosis.Class);
        Assert.InRange(result.DelayFrames!.Value, 0, 50);
    }

    private ScenarioResult Run(Scenario scenario)
    {
        var result = evaluation.Replayed(scenario);
        output.WriteLine(ScenarioResult.TableHeader);
        output.WriteLine(result.TableRow());
        foreach (var incident in result.Incidents)
        {
            output.WriteLine($"{scenario.Name}: {incident.Id} raised at {incident.RaisedSeq} as {incident.RaisedAs.Name()}; {incident.Final.Diagnosis.Reason} ({incident.Final.Members.Count} members, {incident.Messages} messages)");
        }

        return result;
    }
}
