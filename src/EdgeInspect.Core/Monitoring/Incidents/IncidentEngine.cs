using System.Globalization;
using EdgeInspect.Core.Capture;

namespace EdgeInspect.Core.Monitoring.Incidents;

/// <summary>
/// Groups the alert transitions one change causes into one incident per camera, diagnoses it, and says when it is
/// raised, updated and cleared (the events the publisher sends on <c>incident</c> and retains on
/// <c>incident/state/{id}</c>).
/// </summary>
/// <remarks>
/// <para>Grouping: a warning waits; the first member to reach ALERT raises an incident (or warnings of
/// <see cref="IncidentOptions.RaiseOnWarnings"/> different metrics together do), taking along the warnings that began
/// within <see cref="IncidentOptions.GroupWindow"/> before it. While the incident is open, every alert of its
/// camera that rises joins it (a cleared member that rises again re-joins). It clears when all its members have
/// cleared. A warning that clears without any alert raises nothing.</para>
/// <para>Diagnosis: <see cref="IncidentDiagnoser"/> on the members and the evidence given with the transition that
/// raised it, over the frames since its first member rose; again with each member that rises. A later diagnosis
/// replaces an earlier one only when it ranks higher (<see cref="IncidentDiagnoser.Rank"/>) on evidence, or the
/// earlier one rested on alert names alone, so one cause keeps one name while the detectors it sets off arrive in
/// their own time.</para>
/// <para>Threading: feed it from the thread that feeds the <see cref="DriftMonitor"/> (the evidence comes from there);
/// <see cref="DrainEvents"/> and <see cref="GetOpenIncidents"/> may be called from any thread. Nothing is done per
/// frame; a transition costs a dictionary lookup, and an event allocates its snapshot. Time comes with the transitions
/// and events (frame timestamps), so the same input gives the same incidents.</para>
/// </remarks>
public sealed class IncidentEngine
{
    private readonly IncidentOptions _options;
    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);
    private readonly List<IncidentEvent> _events = [];
    private readonly Lock _lock = new();
    private long _count;

    public IncidentEngine(IncidentOptions options)
    {
        var errors = new List<Configuration.ConfigError>();
        options.Validate("monitoring:incidents", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
    }

    public IncidentOptions Options => _options;

    /// <summary>Incidents raised since the engine started.</summary>
    public long IncidentsRaised => Interlocked.Read(ref _count);

    /// <summary>
    /// Feeds one alert transition, with what the monitor sees at that moment (<see cref="DriftMonitor.GetEvidence"/>;
    /// null diagnoses from the alerts alone).
    /// </summary>
    public void Observe(AlertTransition transition, DriftEvidence? evidence)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var member = new MemberUpdate(transition.Name, transition.Family, transition.Metric, transition.To, transition.At, transition.WindowEndSeq,
            transition.ReferenceValue, transition.CurrentValue, transition.Distance, transition.Threshold, transition.WindowFrames, transition.Kind);
        lock (_lock)
        {
            if (transition.IsRepeat)
            {
                Camera(transition.CameraId).Open?.Refresh(member);
            }
            else if (transition.To == AlertState.Ok)
            {
                Fall(transition.CameraId, transition.Name, transition.At, transition.WindowEndSeq);
            }
            else if (transition.To > transition.From)
            {
                Rise(transition.CameraId, member, evidence);
            }

            Flush(transition.CameraId, transition.At);
        }
    }

    /// <summary>
    /// Feeds one capture event: a frozen stream and camera down are members (capture's own alerts, named as on
    /// <c>alert</c>: {camera}.frozen_stream, {camera}.camera_down); their recoveries clear them; other events are ignored.
    /// </summary>
    public void Observe(CaptureEvent captureEvent, DriftEvidence? evidence)
    {
        ArgumentNullException.ThrowIfNull(captureEvent);
        var (metric, rises) = captureEvent.Kind switch
        {
            CaptureEventKind.FrozenStream => ("frozen_stream", (bool?)true),
            CaptureEventKind.FrozenStreamCleared => ("frozen_stream", false),
            CaptureEventKind.CameraDown => ("camera_down", true),
            CaptureEventKind.CameraRecovered => ("camera_down", false),
            _ => ("", null),
        };
        if (rises is not { } up)
        {
            return;
        }

        var name = $"{captureEvent.CameraId}.{metric}";
        lock (_lock)
        {
            if (up)
            {
                Rise(captureEvent.CameraId, new MemberUpdate(name, null, metric, AlertState.Alert, captureEvent.UtcTime, captureEvent.LastSeq,
                    0, 1, 1, 1, 0, DriftKind.Sudden), evidence);
            }
            else
            {
                Fall(captureEvent.CameraId, name, captureEvent.UtcTime, captureEvent.LastSeq);
            }

            Flush(captureEvent.CameraId, captureEvent.UtcTime);
        }
    }

    /// <summary>
    /// The camera's drift detectors were replaced (a model was promoted or rolled back, so a new monitor starts from
    /// OK): their members can no longer clear by themselves, so they are cleared now; capture's members stay.
    /// </summary>
    /// <param name="cameraId">The camera whose monitor was replaced.</param>
    /// <param name="at">When (the incident's end if they were its last raised members).</param>
    /// <param name="seq">The last frame the replaced detectors saw, the incident's end frame if they were its last raised members; null when unknown.</param>
    public void DetectorsRestarted(string cameraId, DateTimeOffset at, long? seq = null)
    {
        lock (_lock)
        {
            var camera = Camera(cameraId);
            camera.Pending.Clear();
            if (camera.Open is { } open)
            {
                foreach (var name in open.Raised().Where(m => m.Family is not null).Select(m => m.Name).ToList())
                {
                    Fall(cameraId, name, at, seq);
                }
            }

            Flush(cameraId, at);
        }
    }

    /// <summary>Publishes updates held back by <see cref="IncidentOptions.UpdateInterval"/> once it has passed; call it now and then (per frame is fine).</summary>
    public void Tick(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var camera in _cameras.Keys)
            {
                Flush(camera, now);
            }
        }
    }

    /// <summary>
    /// Publishes every update still held back by <see cref="IncidentOptions.UpdateInterval"/> now, whatever the
    /// interval: when the station stops, so the last published (and retained) state of an open incident is its real one.
    /// </summary>
    public void FlushUpdates(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var camera in _cameras.Values)
            {
                if (camera.Open is { Dirty: true } open)
                {
                    Publish(open, IncidentEventKind.Updated, now, IncidentState.Open, null);
                }
            }
        }
    }

    /// <summary>Moves the events so far into <paramref name="into"/>, oldest first; returns how many.</summary>
    public int DrainEvents(ICollection<IncidentEvent> into)
    {
        lock (_lock)
        {
            foreach (var e in _events)
            {
                into.Add(e);
            }

            var count = _events.Count;
            _events.Clear();
            return count;
        }
    }

    /// <summary>The open incidents as they stand (for the retained incident/state/{id} topics after a reconnect).</summary>
    public IReadOnlyList<Incident> GetOpenIncidents()
    {
        lock (_lock)
        {
            return _cameras.Values.Where(c => c.Open is not null).Select(c => c.Open!.Snapshot(IncidentState.Open, null)).ToList();
        }
    }

    private CameraState Camera(string id)
    {
        if (!_cameras.TryGetValue(id, out var camera))
        {
            camera = new CameraState();
            _cameras.Add(id, camera);
        }

        return camera;
    }

    private void Rise(string cameraId, MemberUpdate member, DriftEvidence? evidence)
    {
        var camera = Camera(cameraId);
        if (camera.Open is { } open)
        {
            var joined = open.Join(member);
            open.Rediagnose(IncidentDiagnoser.Diagnose(open.Members(), evidence, _options, open.StartSeq), joined);
            return;
        }

        // A warning waits, unless enough different metrics warn together: one change sets off several detectors.
        var since = member.At - _options.GroupWindow;
        if (member.State != AlertState.Alert)
        {
            camera.Pending[member.Name] = camera.Pending.TryGetValue(member.Name, out var earlier) ? earlier with { State = member.State } : member;
            var warning = camera.Pending.Values.Where(p => p.At >= since).Select(p => p.Metric).Distinct(StringComparer.Ordinal).Count();
            if (_options.RaiseOnWarnings == 0 || warning < _options.RaiseOnWarnings)
            {
                return;
            }
        }

        // The first alert (or enough warnings) raises the incident, with the warnings that began within the group window.
        var companions = camera.Pending.Values.Where(p => p.At >= since && p.Name != member.Name).OrderBy(p => p.At).ToList();
        camera.Pending.Clear();
        var first = companions.Count > 0 && companions[0].At <= member.At ? companions[0] : member;
        var incident = new OpenIncident(NewId(cameraId, first.At), cameraId, first.At, first.Seq, member.At, member.Seq);
        foreach (var companion in companions)
        {
            incident.Join(companion);
        }

        incident.Join(member);
        incident.Rediagnose(IncidentDiagnoser.Diagnose(incident.Members(), evidence, _options, incident.StartSeq), joined: false);
        camera.Open = incident;
        Interlocked.Increment(ref _count);
        Publish(incident, IncidentEventKind.Raised, member.At, IncidentState.Open, null);
    }

    private void Fall(string cameraId, string name, DateTimeOffset at, long? seq)
    {
        var camera = Camera(cameraId);
        camera.Pending.Remove(name);
        if (camera.Open is not { } open || !open.Clear(name, at))
        {
            return;
        }

        if (open.AllCleared)
        {
            camera.Open = null;
            open.EndSeq = seq;
            Publish(open, IncidentEventKind.Cleared, at, IncidentState.Cleared, at);
        }
    }

    private void Flush(string cameraId, DateTimeOffset now)
    {
        if (Camera(cameraId).Open is { Dirty: true } open && now - open.PublishedAt >= _options.UpdateInterval)
        {
            Publish(open, IncidentEventKind.Updated, now, IncidentState.Open, null);
        }
    }

    private void Publish(OpenIncident incident, IncidentEventKind kind, DateTimeOffset at, IncidentState state, DateTimeOffset? endedAt)
    {
        incident.Revision++;
        incident.Dirty = false;
        incident.PublishedAt = at;
        _events.Add(new IncidentEvent(kind, at, incident.Snapshot(state, endedAt)));
    }

    private string NewId(string cameraId, DateTimeOffset at)
    {
        // A valid topic level of at most 64 characters: the camera (sanitised, shortened), the start, a counter.
        var camera = new string(cameraId.Select(c => c is '/' or '+' or '#' or '\0' or ' ' ? '_' : c).Take(32).ToArray());
        return string.Create(CultureInfo.InvariantCulture, $"{camera}-{at.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Interlocked.Read(ref _count) + 1}");
    }

    private sealed class CameraState
    {
        public OpenIncident? Open { get; set; }

        /// <summary>Warnings outside any incident, by alert name.</summary>
        public Dictionary<string, MemberUpdate> Pending { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One transition's view of a member.</summary>
    private sealed record MemberUpdate(string Name, DetectorFamily? Family, string Metric, AlertState State, DateTimeOffset At, long Seq,
        double Reference, double Current, double Distance, double Threshold, int Window, DriftKind Kind);

    private sealed class OpenIncident(string id, string cameraId, DateTimeOffset startedAt, long startSeq, DateTimeOffset raisedAt, long raisedSeq)
    {
        private readonly List<IncidentMember> _members = [];
        private IncidentDiagnosis? _diagnosis;

        public long StartSeq => startSeq;

        public int Revision { get; set; }

        public bool Dirty { get; set; }

        public DateTimeOffset PublishedAt { get; set; }

        /// <summary>The frame (or verdict) its last member cleared at, once it has.</summary>
        public long? EndSeq { get; set; }

        public bool AllCleared => _members.TrueForAll(m => m.IsCleared);

        public IReadOnlyList<IncidentMember> Members() => _members;

        public IEnumerable<IncidentMember> Raised() => _members.Where(m => !m.IsCleared);

        /// <summary>Adds or re-raises a member; true when it is new or rose again after clearing.</summary>
        public bool Join(MemberUpdate u)
        {
            var index = _members.FindIndex(m => m.Name == u.Name);
            if (index < 0)
            {
                _members.Add(new IncidentMember(u.Name, u.Family, u.Metric, u.State, u.At, u.Seq, null, u.Reference, u.Current, u.Distance, u.Threshold, u.Window, u.Kind));
                return true;
            }

            var old = _members[index];
            _members[index] = old with
            {
                State = u.State, ClearedAt = null, ReferenceValue = u.Reference, CurrentValue = u.Current, Distance = u.Distance,
                Threshold = u.Threshold, WindowFrames = u.Window, Kind = u.Kind == DriftKind.Unclassified ? old.Kind : u.Kind,
            };
            return old.IsCleared;
        }

        /// <summary>A repeat of a standing alert: fresher evidence, no change worth a message.</summary>
        public void Refresh(MemberUpdate u)
        {
            var index = _members.FindIndex(m => m.Name == u.Name);
            if (index >= 0)
            {
                _members[index] = _members[index] with { CurrentValue = u.Current, Distance = u.Distance, Threshold = u.Threshold, WindowFrames = u.Window };
            }
        }

        /// <summary>Marks a member cleared; false when it is not a member.</summary>
        public bool Clear(string name, DateTimeOffset at)
        {
            var index = _members.FindIndex(m => m.Name == name);
            if (index < 0)
            {
                return false;
            }

            _members[index] = _members[index] with { State = AlertState.Ok, ClearedAt = at };
            return true;
        }

        public void Rediagnose(IncidentDiagnosis next, bool joined)
        {
            var current = _diagnosis;
            if (current is not null && next.Class == current.Class)
            {
                // The same cause, read from fresher evidence: its figures and confidence follow, silently.
                _diagnosis = next;
                Dirty |= joined;
                return;
            }

            // A cause of higher rank takes over when the evidence shows it (not the alert names alone); a diagnosis that
            // rested on alert names alone yields to any better-supported one.
            var evidenced = next.Confidence > IncidentDiagnoser.NamesOnlyConfidence;
            var replace = current is null
                || (IncidentDiagnoser.Rank(next.Class) > IncidentDiagnoser.Rank(current.Class) && evidenced)
                || (current.Confidence <= IncidentDiagnoser.NamesOnlyConfidence && next.Confidence > current.Confidence);
            if (replace)
            {
                _diagnosis = next;
            }

            Dirty |= joined || (replace && current is not null);
        }

        public Incident Snapshot(IncidentState state, DateTimeOffset? endedAt) =>
            new(id, cameraId, state, startedAt, startSeq, raisedAt, raisedSeq, endedAt, _members.ToArray(), _diagnosis!, Revision) { EndSeq = state == IncidentState.Cleared ? EndSeq : null };
    }
}
