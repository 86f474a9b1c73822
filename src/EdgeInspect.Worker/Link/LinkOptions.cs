using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// The plant link section of a station config ("link"): the broker, the connection, TLS and the command rules. Times
/// are TimeSpans. Who the station is comes from the <c>station</c> section alone (passed in by the composition), and
/// where records wait from the <c>outbox</c> section. <see cref="ToString"/> and every log line leave the password,
/// the TLS passphrases and the HMAC key out.
/// </summary>
public sealed class LinkOptions : IConfigSection
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>First topic level, before site/area/line/station.</summary>
    public string Prefix { get; set; } = "edgeinspect";

    /// <summary>"5" (MQTT 5, the default) or "3.1.1" for older plant brokers (no PUBACK reason codes, no retain-as-published, no expiry).</summary>
    public string ProtocolVersion { get; set; } = "5";

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connect watchdog: TCP, TLS and CONNACK must complete within this time.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>v5: how long the broker keeps this station's session (its command subscription) while it is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>v5: metrics older than this are not worth delivering; the broker discards them.</summary>
    public TimeSpan MetricsExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>QoS 1 publishes in flight at once; clamped to the broker's Receive Maximum on every connect.</summary>
    public int MaxInflight { get; set; } = 1000;

    /// <summary>How long a record the broker refused (PUBACK reason 0x80 or above) waits before it is published again on the same connection.</summary>
    public TimeSpan RefusedRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>PEM file of the CA that signed the broker's certificate; setting it (or <see cref="TlsUseSystemTrust"/>) turns TLS on.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>Also trust broker certificates that chain to the operating system's store.</summary>
    public bool TlsUseSystemTrust { get; set; }

    public string? TlsCertFile { get; set; }

    public string? TlsKeyFile { get; set; }

    /// <summary>Secret: passphrase of an encrypted (PKCS#8) <see cref="TlsKeyFile"/>. Never logged.</summary>
    public string? TlsKeyPassphrase { get; set; }

    /// <summary>Client certificate and key as one PFX/PKCS#12 file, instead of <see cref="TlsCertFile"/> and <see cref="TlsKeyFile"/>.</summary>
    public string? TlsPfxFile { get; set; }

    /// <summary>Secret: password of <see cref="TlsPfxFile"/>. Never logged.</summary>
    public string? TlsPfxPassphrase { get; set; }

    public string? Username { get; set; }

    /// <summary>Secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Secret, hex: when set, every command must carry a valid HMAC-SHA256 (docs/mqtt.md). Never logged.</summary>
    public string? CommandHmacKeyHex { get; set; }

    /// <summary>How far a signed command's issuedAt may be from the station clock.</summary>
    public TimeSpan CommandMaxSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On shutdown, how long to keep draining the outbox while the broker is reachable.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The parsed <see cref="ProtocolVersion"/> (valid after <see cref="Validate"/>).</summary>
    public MqttProtocol Protocol => ProtocolVersion.Trim() is "3.1.1" ? MqttProtocol.V311 : MqttProtocol.V5;

    private bool UsesTls => TlsCaFile is not null || TlsUseSystemTrust || TlsCertFile is not null || TlsKeyFile is not null || TlsPfxFile is not null;

    /// <summary>The station's topics: this section's prefix over the <c>station</c> section's levels.</summary>
    public StationTopics Topics(StationIdentityOptions identity) => new(Prefix, identity.Site, identity.Area, identity.Line, identity.Name);

    public byte[]? CommandHmacKey() => string.IsNullOrEmpty(CommandHmacKeyHex) ? null : Convert.FromHexString(CommandHmacKeyHex);

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Add(string field, string problem, string expected) => errors.Add(new ConfigError(ConfigPath.Join(path, field), problem, expected));

        if (StationTopics.SegmentProblem(Prefix) is { } segment)
        {
            Add("prefix", segment, "1..64 characters without '/', '+' or '#'");
        }

        if (ProtocolVersion.Trim() is not ("5" or "5.0" or "3.1.1"))
        {
            Add("protocolVersion", $"is \"{ProtocolVersion}\"", "\"5\" (MQTT 5) or \"3.1.1\"");
        }

        // The connection's own rules, in one place: the client refuses the same options at start.
        foreach (var problem in ToConnectionOptions("validate", null).Validate())
        {
            Add(problem.Field, problem.Problem, problem.Expected);
        }

        CheckTime("metricsExpiry", MetricsExpiry, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckTime("refusedRetryDelay", RefusedRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        CheckTime("commandMaxSkew", CommandMaxSkew, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        CheckTime("shutdownFlushTimeout", ShutdownFlushTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(5));

        if (MaxInflight is < 1 or > 65535)
        {
            Add("maxInflight", $"is {MaxInflight}", "1..65535 messages");
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

    /// <summary>The connection of a station: the device id as client id, the offline status as last will.</summary>
    /// <param name="clientId">The station's device id (the <c>station</c> section).</param>
    /// <param name="will">The last will; null for a connection without one.</param>
    public MqttConnectionOptions ToConnectionOptions(string clientId, MqttWill? will) => new()
    {
        Host = Host,
        Port = Port,
        ClientId = clientId,
        Protocol = Protocol,
        // v5: a persistent session, so commands queued while the station was away are delivered (bounded by
        // SessionExpiry). 3.1.1 has no session expiry: a persistent session would queue commands without end.
        CleanSession = Protocol != MqttProtocol.V5 || SessionExpiry == TimeSpan.Zero,
        KeepAlive = KeepAlive,
        SessionExpiry = SessionExpiry,
        ConnectTimeout = ConnectTimeout,
        ReconnectDelayMin = ReconnectDelayMin,
        ReconnectDelayMax = ReconnectDelayMax,
        Tls = UsesTls
            ? new MqttTls
            {
                CaFile = TlsCaFile,
                UseSystemTrust = TlsUseSystemTrust,
                CertFile = TlsCertFile,
                KeyFile = TlsKeyFile,
                KeyPassphrase = TlsKeyPassphrase,
                PfxFile = TlsPfxFile,
                PfxPassphrase = TlsPfxPassphrase,
            }
            : null,
        Username = Username,
        Password = Password,
        Will = will,
    };

    public override string ToString() =>
        $"{(UsesTls ? "mqtts" : "mqtt")}://{Host}:{Port} prefix={Prefix} MQTT {(Protocol == MqttProtocol.V5 ? "5" : "3.1.1")}"
        + (Username is null ? string.Empty : $" user={Username}") + (CommandHmacKeyHex is null ? string.Empty : " commands=signed");
}
