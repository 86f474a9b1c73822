using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>
/// The "outbox" section of a station config: where the durable queue lives and how much it may hold before the
/// pipeline is held back. Sizes are named in their unit.
/// </summary>
public sealed class OutboxOptions : IConfigSection
{
    /// <summary>Path of the SQLite outbox database (relative to the working directory).</summary>
    public string Path { get; set; } = "var/outbox.db";

    /// <summary>Records (results, alerts, events, metrics, command responses) the outbox holds at most.</summary>
    public int MaxRecords { get; set; } = 1_000_000;

    /// <summary>Payload bytes the outbox holds at most.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>Fill level (0..1, of records or bytes, whichever is higher) at which the outbox reports itself near its cap.</summary>
    public double NearCapFraction { get; set; } = 0.9;

    /// <summary>
    /// Bytes kept free on the outbox's filesystem for results (docs/reliability.md, "A full disk"): below it metrics
    /// stop, below a quarter of it new records are dropped and counted; samples stop at twice it.
    /// </summary>
    public long DiskReserveBytes { get; set; } = 32L << 20;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Add(string field, string problem, string expected) => errors.Add(new ConfigError(ConfigPath.Join(path, field), problem, expected));

        if (string.IsNullOrWhiteSpace(Path))
        {
            Add("path", "is missing", "a file path for the SQLite outbox");
        }

        if (MaxRecords < 100)
        {
            Add("maxRecords", $"is {MaxRecords}", "at least 100 records");
        }

        if (MaxBytes < 1 << 20)
        {
            Add("maxBytes", $"is {MaxBytes}", "at least 1048576 bytes");
        }

        if (DiskReserveBytes is < 64 * 1024 or > 1L << 40)
        {
            Add("diskReserveBytes", $"is {DiskReserveBytes}", "bytes kept free for the outbox, at least 65536 (64 KiB), such as 33554432 (32 MiB)");
        }

        if (NearCapFraction is <= 0.1 or >= 1)
        {
            Add("nearCapFraction", $"is {NearCapFraction}", "a fraction between 0.1 and 1, e.g. 0.9");
        }
    }

    public override string ToString() => $"{Path} (cap {MaxRecords} records, {MaxBytes} bytes, near cap at {NearCapFraction:P0})";
}
