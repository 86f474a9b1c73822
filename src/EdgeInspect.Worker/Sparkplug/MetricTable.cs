using EdgeInspect.Worker.Sparkplug.Protocol;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>One metric the edge node has declared: where it lives, its name, datatype and alias.</summary>
/// <param name="Device">The device it belongs to; null for the edge node itself.</param>
/// <param name="Name">The Sparkplug metric name ('/' separates folders).</param>
/// <param name="Type">Its datatype, fixed for the life of the process.</param>
/// <param name="Alias">Unique across the edge node and all its devices, fixed for the life of the process.</param>
/// <param name="Writable">A host may write it with NCMD.</param>
internal sealed record MetricDefinition(string? Device, string Name, DataType Type, ulong Alias, bool Writable);

/// <summary>A metric with its current value and when that value was taken: what a birth publishes.</summary>
internal readonly record struct MetricReading(MetricDefinition Definition, MetricValue Value, DateTimeOffset At);

/// <summary>
/// Every metric of the edge node and its devices, with its alias and current value. Aliases are handed out once, in
/// declaration order, and never change while the process runs: a rebirth republishes the same map. A metric first
/// seen after the node was born raises <see cref="Version"/>, which tells the sender a new birth is due (a host must
/// not receive data for a metric its birth did not declare).
/// </summary>
/// <remarks>Thread-safe: every member takes the table's lock, briefly, and never waits while holding it.</remarks>
internal sealed class MetricTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Device, string Name), Entry> _byKey = [];
    private readonly Dictionary<ulong, Entry> _byAlias = [];
    private readonly List<Entry> _order = [];
    private readonly List<string> _devices = [];
    private ulong _nextAlias = 1;
    private int _version;

    /// <summary>Grows by one whenever a metric or a device is added.</summary>
    public int Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public IReadOnlyList<string> Devices
    {
        get
        {
            lock (_gate)
            {
                return [.. _devices];
            }
        }
    }

    public void AddDevice(string deviceId)
    {
        lock (_gate)
        {
            if (!_devices.Contains(deviceId, StringComparer.Ordinal))
            {
                _devices.Add(deviceId);
                _version++;
            }
        }
    }

    /// <summary>Declares a metric with its first value; a metric already declared keeps its alias and value.</summary>
    public MetricDefinition Declare(string? device, string name, MetricValue initial, DateTimeOffset at, bool writable = false)
    {
        lock (_gate)
        {
            return GetOrAdd(device, name, initial, at, writable).Definition;
        }
    }

    /// <summary>
    /// Takes new values; returns the readings that differ from the current ones (all of them with
    /// <paramref name="includeUnchanged"/>), in the order given. An unknown name is declared with the value's datatype.
    /// </summary>
    /// <exception cref="ArgumentException">A value's datatype differs from the metric's (a bug in the caller).</exception>
    public List<MetricReading> Apply(string? device, IEnumerable<(string Name, MetricValue Value)> values, DateTimeOffset at, bool includeUnchanged = false)
    {
        var changed = new List<MetricReading>();
        lock (_gate)
        {
            foreach (var (name, value) in values)
            {
                var existed = _byKey.TryGetValue((device ?? string.Empty, name), out var entry);
                entry ??= GetOrAdd(device, name, value, at, writable: false);
                if (entry.Definition.Type != value.Type)
                {
                    throw new ArgumentException($"metric '{name}' is {entry.Definition.Type}, not {value.Type}", nameof(values));
                }

                if (existed && !includeUnchanged && entry.Value == value)
                {
                    continue;
                }

                entry.Value = value;
                entry.At = at;
                changed.Add(new MetricReading(entry.Definition, value, at));
            }
        }

        return changed;
    }

    /// <summary>Every metric of the edge node (null) or of one device, in declaration order, with its current value.</summary>
    public List<MetricReading> Readings(string? device)
    {
        lock (_gate)
        {
            return [.. _order.Where(e => e.Definition.Device == device).Select(e => new MetricReading(e.Definition, e.Value, e.At))];
        }
    }

    public MetricReading? Find(string? device, string name)
    {
        lock (_gate)
        {
            return _byKey.TryGetValue((device ?? string.Empty, name), out var e) ? new MetricReading(e.Definition, e.Value, e.At) : null;
        }
    }

    public MetricReading? FindByAlias(ulong alias)
    {
        lock (_gate)
        {
            return _byAlias.TryGetValue(alias, out var e) ? new MetricReading(e.Definition, e.Value, e.At) : null;
        }
    }

    private Entry GetOrAdd(string? device, string name, MetricValue initial, DateTimeOffset at, bool writable)
    {
        var key = (device ?? string.Empty, name);
        if (_byKey.TryGetValue(key, out var entry))
        {
            return entry;
        }

        entry = new Entry(new MetricDefinition(device, name, initial.Type, _nextAlias++, writable)) { Value = initial, At = at };
        _byKey[key] = entry;
        _byAlias[entry.Definition.Alias] = entry;
        _order.Add(entry);
        _version++;
        return entry;
    }

    private sealed class Entry(MetricDefinition definition)
    {
        public MetricDefinition Definition { get; } = definition;

        public MetricValue Value { get; set; }

        public DateTimeOffset At { get; set; }
    }
}
