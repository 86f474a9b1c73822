using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Core.Tests.Monitoring;

/// <summary>Grouping, lifetime and publication of incidents, on alert transitions written by hand (10 frames a second).</summary>
public sealed class IncidentEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void One_Alert_Raises_One_Incident_With_The_Warnings_That_Began_Just_Before_It()
    {
        var engine = new IncidentEngine(new IncidentOptions { RaiseOnWarnings = 0 });

        engine.Observe(Rise("contrast", AlertState.Warn, 10), null);
        engine.Observe(Rise("brightness", AlertState.Warn, 12), null);
        Assert.Empty(Drain(engine));
        engine.Observe(Rise("brightness", AlertState.Alert, 15, from: AlertState.Warn), null);

        var raised = Assert.Single(Drain(engine));
        Assert.Equal(IncidentEventKind.Raised, raised.Kind);
        Assert.Equal(["cam1.contrast.distribution", "cam1.brightness.distribution"], raised.Incident.Members.Select(m => m.Name));
        Assert.Equal((T0.AddSeconds(10), 100L, T0.AddSeconds(15), 150L), (raised.Incident.StartedAt, raised.Incident.StartSeq, raised.Incident.RaisedAt, raised.Incident.RaisedSeq));
        Assert.Equal(IncidentState.Open, raised.Incident.State);
        Assert.Equal(1, raised.Incident.Revision);
        Assert.Equal(1, engine.IncidentsRaised);
    }

    [Fact]
    public void A_Warning_That_Clears_Without_An_Alert_Raises_Nothing()
    {
        var engine = new IncidentEngine(new IncidentOptions());

        engine.Observe(Rise("contrast", AlertState.Warn, 10), null);
        engine.Observe(Fall("contrast", 20, AlertState.Warn), null);
        engine.Observe(Rise("sharpness", AlertState.Alert, 100), null);

        var raised = Assert.Single(Drain(engine));
        Assert.Equal(["cam1.sharpness.distribution"], raised.Incident.Members.Select(m => m.Name));
    }

    [Fact]
    public void A_Warning_Older_Than_The_Group_Window_Stays_Out_Until_It_Rises_Again()
    {
        var engine = new IncidentEngine(new IncidentOptions { GroupWindow = TimeSpan.FromSeconds(30), UpdateInterval = TimeSpan.Zero });

        engine.Observe(Rise("contrast", AlertState.Warn, 0), null);
        engine.Observe(Rise("brightness", AlertState.Alert, 60), null);
        var raised = Assert.Single(Drain(engine));
        Assert.Equal(["cam1.brightness.distribution"], raised.Incident.Members.Select(m => m.Name));

        engine.Observe(Rise("contrast", AlertState.Alert, 61, from: AlertState.Warn), null);
        var updated = Assert.Single(Drain(engine));
        Assert.Equal(IncidentEventKind.Updated, updated.Kind);
        Assert.Equal(2, updated.Incident.Members.Count);
    }

    [Fact]
    public void Warnings_Of_Three_Metrics_Together_Raise_An_Incident_Two_Do_Not()
    {
        var engine = new IncidentEngine(new IncidentOptions { RaiseOnWarnings = 3 });

        engine.Observe(Rise("brightness", AlertState.Warn, 10), null);
        engine.Observe(Rise("brightness", AlertState.Warn, 10, family: DetectorFamily.InputSequential), null);
        engine.Observe(Rise("mean_green", AlertState.Warn, 10), null);
        Assert.Empty(Drain(engine));

        engine.Observe(Rise("mean_blue", AlertState.Warn, 11), null);
        var raised = Assert.Single(Drain(engine));
        Assert.Equal(4, raised.Incident.Members.Count);
        Assert.All(raised.Incident.Members, m => Assert.Equal(AlertState.Warn, m.State));
        Assert.Equal(IncidentClass.Lighting, raised.Incident.Diagnosis.Class);
    }

    [Fact]
    public void Alerts_That_Start_While_It_Is_Open_Join_It_And_It_Clears_Only_When_All_Have_Cleared()
    {
        var engine = new IncidentEngine(new IncidentOptions { UpdateInterval = TimeSpan.Zero });

        engine.Observe(Rise("brightness", AlertState.Alert, 0), null);
        engine.Observe(Rise("contrast", AlertState.Alert, 300), null);
        engine.Observe(Fall("brightness", 400), null);
        engine.Observe(Rise("sharpness", AlertState.Alert, 500), null);
        engine.Observe(Fall("contrast", 600), null);
        var beforeLast = Drain(engine);
        engine.Observe(Fall("sharpness", 700), null);
        var last = Drain(engine);

        Assert.Equal([IncidentEventKind.Raised, IncidentEventKind.Updated, IncidentEventKind.Updated], beforeLast.Select(e => e.Kind));
        var cleared = Assert.Single(last);
        Assert.Equal(IncidentEventKind.Cleared, cleared.Kind);
        Assert.Equal(IncidentState.Cleared, cleared.Incident.State);
        Assert.Equal(T0.AddSeconds(700), cleared.Incident.EndedAt);
        Assert.All(cleared.Incident.Members, m => Assert.True(m.IsCleared));
        Assert.Single(beforeLast.Concat(last).Select(e => e.Incident.Id).Distinct());
        Assert.Empty(engine.GetOpenIncidents());
    }

    [Fact]
    public void After_It_Clears_A_New_Alert_Is_A_New_Incident()
    {
        var engine = new IncidentEngine(new IncidentOptions());

        engine.Observe(Rise("brightness", AlertState.Alert, 0), null);
        engine.Observe(Fall("brightness", 100), null);
        engine.Observe(Rise("brightness", AlertState.Alert, 200), null);

        var events = Drain(engine);
        Assert.Equal([IncidentEventKind.Raised, IncidentEventKind.Cleared, IncidentEventKind.Raised], events.Select(e => e.Kind));
        Assert.NotEqual(events[0].Incident.Id, events[2].Incident.Id);
        Assert.Equal(2, engine.IncidentsRaised);
    }

    [Fact]
    public void Members_Joining_Within_The_Update_Interval_Are_One_Update_Published_When_It_Has_Passed()
    {
        var engine = new IncidentEngine(new IncidentOptions { UpdateInterval = TimeSpan.FromSeconds(10) });

        engine.Observe(Rise("brightness", AlertState.Alert, 0), null);
        engine.Observe(Rise("contrast", AlertState.Alert, 2), null);
        engine.Observe(Rise("mean_red", AlertState.Alert, 4), null);
        engine.Observe(Repeat("brightness", 6), null);
        engine.Tick(T0.AddSeconds(9));
        Assert.Single(Drain(engine));

        engine.Tick(T0.AddSeconds(10));
        var updated = Assert.Single(Drain(engine));
        Assert.Equal(IncidentEventKind.Updated, updated.Kind);
        Assert.Equal(3, updated.Incident.Members.Count);
        Assert.Equal(2, updated.Incident.Revision);

        engine.Tick(T0.AddSeconds(60));
        Assert.Empty(Drain(engine));
    }

    [Fact]
    public void A_Frozen_Stream_From_Capture_Is_A_Camera_Incident_And_The_Drift_It_Causes_Joins_It()
    {
        var engine = new IncidentEngine(new IncidentOptions { UpdateInterval = TimeSpan.Zero });

        engine.Observe(new CaptureEvent(CaptureEventKind.SourceOpened, "cam1", T0, "opened", 0), null);
        engine.Observe(new CaptureEvent(CaptureEventKind.FrozenStream, "cam1", T0.AddSeconds(3), "30 consecutive identical frames", 30), null);
        engine.Observe(Rise("class_share", AlertState.Alert, 5, family: DetectorFamily.ClassShare), null);
        engine.Observe(new CaptureEvent(CaptureEventKind.FrozenStreamCleared, "cam1", T0.AddSeconds(40), "frames change again", 400), null);
        var events = Drain(engine);

        Assert.Equal([IncidentEventKind.Raised, IncidentEventKind.Updated], events.Select(e => e.Kind));
        var member = events[0].Incident.Members.Single();
        Assert.Equal(("cam1.frozen_stream", IncidentNames.CaptureDetector, 30L), (member.Name, member.Detector, member.SinceSeq));
        Assert.All(events, e => Assert.Equal(IncidentClass.Camera, e.Incident.Diagnosis.Class));
        var open = Assert.Single(engine.GetOpenIncidents());
        Assert.True(open.Members.Single(m => m.Name == "cam1.frozen_stream").IsCleared);
        Assert.False(open.Members.Single(m => m.Name == "cam1.class_share").IsCleared);
    }

    [Fact]
    public void A_Camera_Fault_Joining_An_Output_Incident_Takes_Over_Its_Diagnosis_But_An_Input_Alert_Alone_Does_Not()
    {
        var engine = new IncidentEngine(new IncidentOptions { UpdateInterval = TimeSpan.Zero });

        engine.Observe(Rise("class_share", AlertState.Alert, 0, family: DetectorFamily.ClassShare), null);
        engine.Observe(Rise("mean_blue", AlertState.Alert, 20), null);
        engine.Observe(new CaptureEvent(CaptureEventKind.FrozenStream, "cam1", T0.AddSeconds(30), "frozen", 300), null);
        var events = Drain(engine);

        Assert.Equal([IncidentClass.Output, IncidentClass.Output, IncidentClass.Camera], events.Select(e => e.Incident.Diagnosis.Class));
    }

    [Fact]
    public void Cameras_Have_Their_Own_Incidents()
    {
        var engine = new IncidentEngine(new IncidentOptions());

        engine.Observe(Rise("brightness", AlertState.Alert, 0), null);
        engine.Observe(Rise("brightness", AlertState.Alert, 1, camera: "cam2"), null);

        var events = Drain(engine);
        Assert.Equal(["cam1", "cam2"], events.Select(e => e.Incident.CameraId));
        Assert.Equal(2, engine.GetOpenIncidents().Count);
    }

    [Fact]
    public void When_The_Detectors_Restart_Their_Members_Clear_And_Capture_Members_Stay()
    {
        var engine = new IncidentEngine(new IncidentOptions { UpdateInterval = TimeSpan.Zero });
        engine.Observe(Rise("brightness", AlertState.Alert, 0), null);
        engine.Observe(new CaptureEvent(CaptureEventKind.CameraDown, "cam1", T0.AddSeconds(1), "no frames for 5 s", 10), null);
        Drain(engine);

        engine.DetectorsRestarted("cam1", T0.AddSeconds(2));
        Assert.Empty(Drain(engine));
        var open = Assert.Single(engine.GetOpenIncidents());
        Assert.Equal(["cam1.camera_down"], open.Members.Where(m => !m.IsCleared).Select(m => m.Name));

        engine.Observe(new CaptureEvent(CaptureEventKind.CameraRecovered, "cam1", T0.AddSeconds(9), "back", 10), null);
        Assert.Equal(IncidentEventKind.Cleared, Assert.Single(Drain(engine)).Kind);
    }

    [Fact]
    public void Ids_Are_Unique_Valid_Topic_Levels_Even_For_An_Awkward_Camera_Name()
    {
        var engine = new IncidentEngine(new IncidentOptions());
        const string camera = "line 3/cam#1+with-a-very-long-name-that-goes-on-and-on-and-on";
        for (var i = 0; i < 3; i++)
        {
            engine.Observe(Rise("brightness", AlertState.Alert, i * 100, camera: camera), null);
            engine.Observe(Fall("brightness", (i * 100) + 50, camera: camera), null);
        }

        var ids = Drain(engine).Select(e => e.Incident.Id).Distinct().ToList();
        Assert.Equal(3, ids.Count);
        Assert.All(ids, id => Assert.Null(StationTopics.SegmentProblem(id)));
        Assert.All(ids, id => Assert.Equal($"incident/state/{id}", IncidentPayloads.StateTopic(id)));
    }

    [Fact]
    public void Invalid_Incident_Options_List_Every_Problem()
    {
        var options = new IncidentOptions { GroupWindow = TimeSpan.FromSeconds(-1), MovedEffect = 0, MinEvidenceFrames = 1 };
        var errors = new List<ConfigError>();

        options.Validate("monitoring:incidents", errors);

        Assert.Equal(["monitoring:incidents:groupWindow", "monitoring:incidents:movedEffect", "monitoring:incidents:minEvidenceFrames"], errors.Select(e => e.Path));
        Assert.Throws<ArgumentException>(() => new IncidentEngine(options));
    }

    private static List<IncidentEvent> Drain(IncidentEngine engine)
    {
        var events = new List<IncidentEvent>();
        engine.DrainEvents(events);
        return events;
    }

    private static string NameOf(string metric, DetectorFamily family, string camera) => family switch
    {
        DetectorFamily.InputDistribution => $"{camera}.{metric}.distribution",
        DetectorFamily.InputSequential => $"{camera}.{metric}.sequential",
        _ => $"{camera}.{metric}",
    };

    private static AlertTransition Rise(string metric, AlertState to, int second, AlertState from = AlertState.Ok,
        DetectorFamily family = DetectorFamily.InputDistribution, string camera = "cam1") =>
        new(NameOf(metric, family, camera), camera, family, metric, from, to, T0.AddSeconds(second), 1, 2, 0.2, 0.1, 400, second * 10L, DriftKind.Unclassified, false);

    private static AlertTransition Fall(string metric, int second, AlertState from = AlertState.Alert, DetectorFamily family = DetectorFamily.InputDistribution, string camera = "cam1") =>
        new(NameOf(metric, family, camera), camera, family, metric, from, AlertState.Ok, T0.AddSeconds(second), 1, 1, 0.01, 0.1, 400, second * 10L, DriftKind.Unclassified, false);

    private static AlertTransition Repeat(string metric, int second) =>
        new(NameOf(metric, DetectorFamily.InputDistribution, "cam1"), "cam1", DetectorFamily.InputDistribution, metric, AlertState.Alert, AlertState.Alert,
            T0.AddSeconds(second), 1, 3, 0.3, 0.1, 400, second * 10L, DriftKind.Unclassified, true);
}
