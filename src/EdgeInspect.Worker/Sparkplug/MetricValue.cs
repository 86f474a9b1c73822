using System.Globalization;
using EdgeInspect.Worker.Sparkplug.Protocol;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// One typed Sparkplug metric value, or a typed null. Equality is by type and value, so "changed" is a plain
/// comparison (a NaN reading is stored as null, never as a value unequal to itself).
/// </summary>
internal readonly record struct MetricValue
{
    private readonly long _long;
    private readonly double _double;
    private readonly string? _text;

    private MetricValue(DataType type, long whole, double real, string? text, bool isNull)
    {
        Type = type;
        _long = whole;
        _double = real;
        _text = text;
        IsNull = isNull;
    }

    public DataType Type { get; }

    public bool IsNull { get; }

    public static MetricValue Int64(long value) => new(DataType.Int64, value, 0, null, false);

    public static MetricValue Int64(long? value) => value is { } v ? Int64(v) : Null(DataType.Int64);

    public static MetricValue Double(double? value) =>
        value is { } v && double.IsFinite(v) ? new(DataType.Double, 0, v, null, false) : Null(DataType.Double);

    public static MetricValue Boolean(bool value) => new(DataType.Boolean, value ? 1 : 0, 0, null, false);

    public static MetricValue String(string? value) => value is null ? Null(DataType.String) : new(DataType.String, 0, 0, value, false);

    /// <summary>Milliseconds since the Unix epoch, UTC (Sparkplug's DateTime).</summary>
    public static MetricValue DateTime(DateTimeOffset? value) =>
        value is { } v ? new(DataType.DateTime, v.ToUnixTimeMilliseconds(), 0, null, false) : Null(DataType.DateTime);

    public static MetricValue Null(DataType type) => new(type, 0, 0, null, true);

    /// <summary>The value as .NET sees it (long, double, bool, string, DateTimeOffset), or null.</summary>
    public object? Value => IsNull ? null : Type switch
    {
        DataType.Int64 => _long,
        DataType.Double => _double,
        DataType.Boolean => _long != 0,
        DataType.String => _text,
        DataType.DateTime => DateTimeOffset.FromUnixTimeMilliseconds(_long),
        _ => null,
    };

    public string? AsString => IsNull ? null : _text;

    public bool AsBoolean => !IsNull && _long != 0;

    /// <summary>Writes the value (or is_null) into a metric; the caller sets name, alias, datatype and timestamp.</summary>
    public void WriteTo(Payload.Types.Metric metric)
    {
        if (IsNull)
        {
            metric.IsNull = true;
            return;
        }

        switch (Type)
        {
            case DataType.Int64:
            case DataType.DateTime:
                metric.LongValue = unchecked((ulong)_long);
                break;
            case DataType.Double:
                metric.DoubleValue = _double;
                break;
            case DataType.Boolean:
                metric.BooleanValue = _long != 0;
                break;
            case DataType.String:
                metric.StringValue = _text;
                break;
            default:
                throw new InvalidOperationException($"datatype {Type} is not used by this edge node");
        }
    }

    /// <summary>
    /// Reads a metric's value as <paramref name="type"/>: a stored message's metric, or a host's write in NCMD.
    /// Null when the metric's value does not fit the type (a string written to a boolean).
    /// </summary>
    public static MetricValue? Read(Payload.Types.Metric metric, DataType type)
    {
        if (metric.HasIsNull && metric.IsNull)
        {
            return Null(type);
        }

        return (type, metric.ValueCase) switch
        {
            (DataType.Int64 or DataType.DateTime, Payload.Types.Metric.ValueOneofCase.LongValue) =>
                new MetricValue(type, unchecked((long)metric.LongValue), 0, null, false),
            (DataType.Int64, Payload.Types.Metric.ValueOneofCase.IntValue) => Int64(metric.IntValue),
            (DataType.Double, Payload.Types.Metric.ValueOneofCase.DoubleValue) => Double(metric.DoubleValue),
            (DataType.Double, Payload.Types.Metric.ValueOneofCase.FloatValue) => Double(metric.FloatValue),
            (DataType.Boolean, Payload.Types.Metric.ValueOneofCase.BooleanValue) => Boolean(metric.BooleanValue),
            (DataType.String, Payload.Types.Metric.ValueOneofCase.StringValue) => String(metric.StringValue),
            _ => null,
        };
    }

    public override string ToString() => IsNull ? $"null ({Type})" : string.Create(CultureInfo.InvariantCulture, $"{Value} ({Type})");
}
