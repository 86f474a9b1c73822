using System.Text.Json;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Replay;

namespace EdgeInspect.Worker.Tests.Replay;

public sealed class ReportWriterTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Report_Json_Is_Camel_Case_With_Alert_States_As_Words_And_Round_Trips()
    {
        var report = SampleReplay.Build();

        var json = ReportJsonWriter.Serialize(report);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("phone-defects", root.GetProperty("run").GetProperty("model").GetProperty("name").GetString());
        Assert.Equal(4, root.GetProperty("evaluation").GetProperty("confusionMatrix").GetArrayLength());
        Assert.Equal("raised", root.GetProperty("timeline").GetProperty("alerts")[0].GetProperty("state").GetString());
        Assert.StartsWith("data:image/jpeg;base64,", root.GetProperty("disagreements").GetProperty("frames")[0].GetProperty("thumbnail").GetString());

        var back = ReportJsonWriter.Deserialize(json);
        Assert.Equal(report.Evaluation!.Accuracy, back.Evaluation!.Accuracy);
        Assert.Equal(report.Timeline.Alerts, back.Timeline.Alerts);
        Assert.Equal(report.Disagreements.Frames, back.Disagreements.Frames);
        Assert.Equal(report.Run, back.Run);
    }

    [Fact]
    public void Incidents_Are_Listed_First_With_Their_First_And_Last_Diagnosis_Drawn_As_Bands_And_Round_Trip()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = ["ok", "scratch"] });
        for (var i = 0; i < 500; i++)
        {
            builder.Observe(new FrameObservation { FrameIndex = i, TrueClass = 0, PredictedClass = 0, DefectScore = 0.1f, Brightness = i < 200 ? 120 : 66 });
        }

        // The focus incident's first message comes first, but it was raised later: the list is in raising order.
        builder.Incident(Event(IncidentEventKind.Raised, "cam1-b", IncidentClass.Focus, 401, null));
        builder.Incident(Event(IncidentEventKind.Raised, "cam1-a", IncidentClass.Unknown, 211, null));
        builder.Incident(Event(IncidentEventKind.Updated, "cam1-a", IncidentClass.Lighting, 211, null));
        builder.Incident(Event(IncidentEventKind.Cleared, "cam1-a", IncidentClass.Lighting, 211, 390));
        var report = builder.Build(new ReplayRun(new ModelIdentity("m", "1", "sha"), "src", "shadow"), Start, Start.AddSeconds(1));

        Assert.Equal(["cam1-a", "cam1-b"], report.Incidents.Select(i => i.Id));
        var lighting = report.Incidents[0];
        Assert.Equal(("unknown", "lighting", "cleared", 3), (lighting.RaisedAs, lighting.Diagnosis.Class, lighting.State, lighting.Messages));
        Assert.Equal((200L, 210L, 389L), (lighting.StartFrame, lighting.RaisedFrame, lighting.EndFrame!.Value));
        Assert.Null(report.Incidents[1].EndFrame);

        var json = ReportJsonWriter.Serialize(report);
        using (var doc = JsonDocument.Parse(json))
        {
            var first = doc.RootElement.GetProperty("incidents")[0];
            Assert.Equal("lighting", first.GetProperty("diagnosis").GetProperty("class").GetString());
            Assert.Equal("brightness", first.GetProperty("members")[0].GetProperty("metric").GetString());
        }

        var back = ReportJsonWriter.Deserialize(json);
        Assert.Equal(report.Incidents.Select(i => (i.Id, i.Diagnosis.Class, i.RaisedFrame, i.EndFrame, i.Members.Count)),
            back.Incidents.Select(i => (i.Id, i.Diagnosis.Class, i.RaisedFrame, i.EndFrame, i.Members.Count)));

        var html = ReportHtmlWriter.Render(report);
        Assert.Equal(2, CountOf(html, "data-testid=\"incident-band\""));
        Assert.Equal(2, CountOf(html, "data-testid=\"incident-row\""));
        Assert.Contains("data-class=\"lighting\" data-start=\"200\" data-end=\"389\"", html);
        Assert.True(html.IndexOf("incident-row", StringComparison.Ordinal) < html.IndexOf("chart-timeline", StringComparison.Ordinal), "incidents are listed before the charts");
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static IncidentEvent Event(IncidentEventKind kind, string id, IncidentClass diagnosis, long raisedSeq, long? endSeq)
    {
        var at = Start.AddSeconds(raisedSeq / 10.0);
        var member = new IncidentMember("cam1.brightness.distribution", DetectorFamily.InputDistribution, "brightness", endSeq is null ? AlertState.Alert : AlertState.Ok,
            at, raisedSeq, endSeq is null ? null : Start.AddSeconds(endSeq.Value / 10.0), 120, 66, 0.4, 0.1, 300, DriftKind.Sudden);
        var incident = new Incident(id, "cam1", endSeq is null ? IncidentState.Open : IncidentState.Cleared, at.AddSeconds(-1), raisedSeq - 10, at, raisedSeq,
            endSeq is null ? null : Start.AddSeconds(endSeq.Value / 10.0), [member],
            new IncidentDiagnosis(diagnosis, 0.7, "Check the lights.", $"{diagnosis.Name()}: test", new Dictionary<string, double> { ["gain"] = 0.55 }), 1)
        {
            EndSeq = endSeq,
        };
        return new IncidentEvent(kind, at, incident);
    }

    [Fact]
    public async Task Writers_Put_Report_Json_And_Report_Html_In_The_Folder_Without_Leftovers()
    {
        using var dir = new TempDirectory("replay-writers");
        var report = SampleReplay.Build();
        var target = Path.Combine(dir.Path, "nested", "report");

        var json = await ReportJsonWriter.WriteAsync(report, target);
        var html = await ReportHtmlWriter.WriteAsync(report, target);

        Assert.Equal(["report.html", "report.json"], Directory.GetFiles(target).Select(Path.GetFileName).Order());
        Assert.Equal(ReportJsonWriter.Serialize(report), await File.ReadAllTextAsync(json));
        Assert.StartsWith("<!DOCTYPE html>", await File.ReadAllTextAsync(html));
    }

    [Fact]
    public void Html_Escapes_Every_Name_That_Comes_From_Input()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = ["ok", "<script>alert(1)</script>"] });
        builder.Observe(new FrameObservation { FrameIndex = 0, File = "a\"onerror=\"x.jpg", TrueClass = 1, PredictedClass = 0, DefectScore = 0.1f });
        builder.Alert(0, "<b>drift</b>", raised: true, "bright\"ness");
        var report = builder.Build(new ReplayRun(new ModelIdentity("m<i>", "1&2", "sha"), "<src>", "shadow"), Start, Start.AddSeconds(1));

        var html = ReportHtmlWriter.Render(report);

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<b>drift", html);
        Assert.DoesNotContain("<i>", html);
        Assert.DoesNotContain("<src>", html);
        Assert.DoesNotContain("a\"onerror", html);
        Assert.DoesNotContain("bright\"ness", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("m&lt;i&gt; 1&amp;2", html);
    }

    [Fact]
    public void Html_References_Nothing_Outside_Itself()
    {
        var html = ReportHtmlWriter.Render(SampleReplay.Build());

        // The only URL allowed is the SVG namespace, which is an identifier, never fetched.
        var withoutNamespace = html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("http:", withoutNamespace);
        Assert.DoesNotContain("https:", withoutNamespace);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("url(", html);
        Assert.Contains("src=\"data:image/jpeg;base64,", html);
    }

    [Fact]
    public void Html_Of_An_Unlabelled_Run_Says_So_Instead_Of_Drawing_Empty_Charts()
    {
        var builder = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = ["ok", "scratch"] });
        builder.Observe(new FrameObservation { FrameIndex = 0, PredictedClass = 1, DefectScore = 0.9f });

        var html = ReportHtmlWriter.Render(builder.Build(new ReplayRun(new ModelIdentity("m", "1", "s"), "video.mkv", "live"), Start, Start.AddSeconds(1)));

        Assert.Contains("data-testid=\"no-labels\"", html);
        Assert.DoesNotContain("data-testid=\"chart-confusion\"", html);
        Assert.Contains("data-testid=\"chart-scores\"", html);
        Assert.Contains("data-testid=\"no-alerts\"", html);
    }

    [Fact]
    public void A_Run_That_Saw_No_Frame_Still_Renders_A_Report()
    {
        var report = new ReplayReportBuilder(new ReplayReportOptions { ClassNames = ["ok", "scratch"] })
            .Build(new ReplayRun(new ModelIdentity("m", "1", "s"), "empty", "shadow"), Start, Start);

        var html = ReportHtmlWriter.Render(report);
        var back = ReportJsonWriter.Deserialize(ReportJsonWriter.Serialize(report));

        Assert.Equal(0, back.Run.Frames);
        Assert.Equal(0, back.Run.Fps);
        Assert.Contains("data-testid=\"chart-timeline\"", html);
        Assert.DoesNotContain("NaN", html);
        Assert.DoesNotContain("Infinity", html);
    }
}
