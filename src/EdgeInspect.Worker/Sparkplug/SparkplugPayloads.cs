using EdgeInspect.Worker.Sparkplug.Protocol;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// Builds the Sparkplug B payloads of the edge node (chapter 6 of the specification): births carry every metric with
/// name, alias, datatype, timestamp and value; data carries aliases only; NDEATH carries the bdSeq and no seq.
/// </summary>
internal static class SparkplugPayloads
{
    /// <summary>The birth/death sequence number metric that pairs an NDEATH with its NBIRTH.</summary>
    public const string BdSeq = "bdSeq";

    public static ulong Milliseconds(DateTimeOffset at) => (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());

    /// <summary>NBIRTH or DBIRTH: every reading in full.</summary>
    public static Payload Birth(IEnumerable<MetricReading> readings, ulong seq, DateTimeOffset now)
    {
        var payload = new Payload { Timestamp = Milliseconds(now), Seq = seq };
        foreach (var reading in readings)
        {
            var metric = new Payload.Types.Metric
            {
                Name = reading.Definition.Name,
                Alias = reading.Definition.Alias,
                Timestamp = Milliseconds(reading.At),
                Datatype = (uint)reading.Definition.Type,
            };
            reading.Value.WriteTo(metric);
            payload.Metrics.Add(metric);
        }

        return payload;
    }

    /// <summary>NDEATH: the will, and what the node publishes itself before it disconnects on purpose. No seq.</summary>
    public static Payload NodeDeath(long bdSeq, DateTimeOffset now)
    {
        var payload = new Payload { Timestamp = Milliseconds(now) };
        payload.Metrics.Add(new Payload.Types.Metric { Name = BdSeq, Timestamp = Milliseconds(now), Datatype = (uint)DataType.Int64, LongValue = (ulong)bdSeq });
        return payload;
    }

    /// <summary>DDEATH: a timestamp and the seq.</summary>
    public static Payload DeviceDeath(ulong seq, DateTimeOffset now) => new() { Timestamp = Milliseconds(now), Seq = seq };

    /// <summary>Changed readings as they are kept until sent: names, datatypes and acquisition times, no seq, no aliases.</summary>
    public static Payload ToStore(IEnumerable<MetricReading> readings, DateTimeOffset at)
    {
        var payload = new Payload { Timestamp = Milliseconds(at) };
        foreach (var reading in readings)
        {
            var metric = new Payload.Types.Metric
            {
                Name = reading.Definition.Name,
                Timestamp = Milliseconds(reading.At),
                Datatype = (uint)reading.Definition.Type,
            };
            reading.Value.WriteTo(metric);
            payload.Metrics.Add(metric);
        }

        return payload;
    }

    /// <summary>
    /// NDATA or DDATA from a stored payload: each metric by its alias only (no name, no datatype), flagged historical
    /// when it was produced before this session's birth. The payload timestamp is the publish time; each metric keeps
    /// its acquisition time.
    /// </summary>
    public static Payload ForSending(Payload stored, ulong seq, bool historical, Func<string, ulong?> aliasOf, DateTimeOffset now)
    {
        var payload = new Payload { Timestamp = Milliseconds(now), Seq = seq };
        foreach (var source in stored.Metrics)
        {
            var metric = source.Clone();
            metric.ClearName();
            metric.ClearDatatype();
            metric.Alias = aliasOf(source.Name) ?? throw new InvalidOperationException($"metric '{source.Name}' has no alias: declare it before sending");
            if (historical)
            {
                metric.IsHistorical = true;
            }

            payload.Metrics.Add(metric);
        }

        return payload;
    }
}
