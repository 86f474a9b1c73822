using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Messages;
using EdgeInspect.Native.Mosquitto;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// The plant link section of a station config ("link"). Times are TimeSpans, sizes are named in their unit.
/// <see cref="ToString"/> and every log line leave the password and the HMAC key out.
/// </summary>
public sealed class LinkOptions : IConfigSection
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Device id carried in every envelope and used as the MQTT client id.</summary>
    public string DeviceId { get; set; } = "station-01";

    public string Prefix { get; set; } = "edgeinspect";

    public string Site { get; set; } = "site";

    public string Area { get; set; } = "area";

    public string Line { get; set; } = "line";

    public string Station { get; set; } = "station-01";

    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connect watchdog: a CONNACK must arrive within this time.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>v5: how long the broker keeps this station's session (its command subscription) while it is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>v5: metrics older than this are not worth delivering; the broker discards them.</summary>
    public TimeSpan MetricsExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>QoS 1 publishes in flight at once.</summary>
    public int MaxInflight { get; set; } = 1000;

    public string? TlsCaFile { get; set; }

    public string? TlsCertFile { get; set; }

    public string? TlsKeyFile { get; set; }

    public string? Username { get; set; }

    /// <summary>Secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Path of the SQLite outbox database.</summary>
    public string OutboxPath { get; set; } = "var/outbox.db";

    public int OutboxMaxRecords { get; set; } = 1_000_000;

    public long OutboxMaxBytes { get; set; } = 1L << 30;

    /// <summary>Fill level (0..1) at which the outbox raises the "outbox-near-cap" alert.</summary>
    public double OutboxNearCapFraction { get; set; } = 0.9;

    /// <summary>Secret, hex: when set, every command must carry a valid HMAC-SHA256 (docs/mqtt.md). Never logged.</summary>
    public string? CommandHmacKeyHex { get; set; }

    /// <summary>How far a signed command's issuedAt may be from the station clock.</summary>
    public TimeSpan CommandMaxSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On shutdown, how long to keep draining the outbox while the broker is reachable.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public StationTopics Topics() => new(Prefix, Site, Area, Line, Station);

    public byte[]? CommandHmacKey() => string.IsNullOrEmpty(CommandHmacKeyHex) ? null : Convert.FromHexString(CommandHmacKeyHex);

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Add(string field, string problem, string expected) => errors.Add(new ConfigError(ConfigPath.Join(path, field), problem, expected));

        if (string.IsNullOrWhiteSpace(Host))
        {
            Add("host", "is missing", "a broker host name or IP address");
        }

        if (Port is < 1 or > 65535)
        {
            Add("port", $"is {Port}", "a TCP port in 1..65535");
        }

        foreach (var (field, value) in new[] { ("deviceId", DeviceId), ("prefix", Prefix), ("site", Site), ("area", Area), ("line", Line), ("station", Station) })
        {
            if (StationTopics.SegmentProblem(value) is { } problem)
            {
                Add(field, problem, "1..64 characters without '/', '+' or '#'");
            }
        }

        CheckTime("keepAlive", KeepAlive, TimeSpan.FromSeconds(5), TimeSpan.FromHours(18));
        CheckTime("connectTimeout", ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        CheckTime("reconnectDelayMin", ReconnectDelayMin, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        CheckTime("reconnectDelayMax", ReconnectDelayMax, ReconnectDelayMin, TimeSpan.FromHours(1));
        CheckTime("sessionExpiry", SessionExpiry, TimeSpan.Zero, TimeSpan.FromDays(30));
        CheckTime("metricsExpiry", MetricsExpiry, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckTime("commandMaxSkew", CommandMaxSkew, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        CheckTime("shutdownFlushTimeout", ShutdownFlushTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(5));

        if (MaxInflight is < 1 or > 65535)
        {
            Add("maxInflight", $"is {MaxInflight}", "1..65535 messages");
        }

        if (OutboxMaxRecords < 100)
        {
            Add("outboxMaxRecords", $"is {OutboxMaxRecords}", "at least 100 records");
        }

        if (OutboxMaxBytes < 1 << 20)
        {
            Add("outboxMaxBytes", $"is {OutboxMaxBytes}", "at least 1048576 bytes");
        }

        if (OutboxNearCapFraction is <= 0.1 or >= 1)
        {
            Add("outboxNearCapFraction", $"is {OutboxNearCapFraction}", "a fraction between 0.1 and 1, e.g. 0.9");
        }

        if (string.IsNullOrWhiteSpace(OutboxPath))
        {
            Add("outboxPath", "is missing", "a file path for the SQLite outbox");
        }

        if (Password is not null && Username is null)
        {
            Add("password", "is set without a username", "a username with the password");
        }

        if ((TlsCertFile is null) != (TlsKeyFile is null))
        {
            Add(TlsCertFile is null ? "tlsCertFile" : "tlsKeyFile", "is missing", "both tlsCertFile and tlsKeyFile, or neither");
        }

        if ((TlsCertFile is not null || TlsKeyFile is not null) && TlsCaFile is null)
        {
            Add("tlsCaFile", "is missing", "a CA file when a client certificate is configured");
        }

        if (CommandHmacKeyHex is { Length: > 0 } key)
        {
            // Never echo the key itself into the error.
            if (key.Length < 32 || key.Length % 2 != 0 || !key.All(Uri.IsHexDigit))
            {
                Add("commandHmacKeyHex", "is not a hex string of at least 16 bytes", "hex, e.g. 64 hex digits (32 bytes)");
            }
        }

        void CheckTime(string field, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                Add(field, $"is {value}", $"a TimeSpan between {min:c} and {max:c}");
            }
        }
    }

    /// <summary>Client options for the station's connection, with the offline status as last will.</summary>
    public MosquittoClientOptions ToClientOptions(MqttWill will) => new()
    {
        Host = Host,
        Port = Port,
        ClientId = DeviceId,
        // Persistent session: commands queued while the station was away are delivered (v5 bounds it by SessionExpiry).
        CleanSession = Protocol != MqttProtocol.V5 || SessionExpiry == TimeSpan.Zero,
        Protocol = Protocol,
        KeepAlive = KeepAlive,
        SessionExpiry = SessionExpiry,
        ConnectTimeout = ConnectTimeout,
        ReconnectDelayMin = ReconnectDelayMin,
        ReconnectDelayMax = ReconnectDelayMax,
        MaxInflight = MaxInflight,
        Tls = TlsCaFile is null ? null : new MqttTls(TlsCaFile, TlsCertFile, TlsKeyFile),
        Username = Username,
        Password = Password,
        Will = will,
    };

    public override string ToString() =>
        $"{(TlsCaFile is null ? "mqtt" : "mqtts")}://{Host}:{Port} device={DeviceId} topics={Prefix}/{Site}/{Area}/{Line}/{Station} {Protocol}"
        + (Username is null ? string.Empty : $" user={Username}") + (CommandHmacKeyHex is null ? string.Empty : " commands=signed");
}
