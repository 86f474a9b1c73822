namespace EdgeInspect.Native.Mosquitto;

/// <summary>MQTT protocol level. libmosquitto 2.0 offers both; v5 adds session and message expiry.</summary>
public enum MqttProtocol
{
    V311,
    V5,
}

/// <summary>TLS settings: a CA file to verify the broker, and optionally a client certificate and key (PEM, unencrypted).</summary>
public sealed record MqttTls(string CaFile, string? CertFile = null, string? KeyFile = null);

/// <summary>The last will the broker publishes if this client vanishes without a DISCONNECT.</summary>
public sealed record MqttWill(string Topic, byte[] Payload, int Qos = 1, bool Retain = true);

/// <summary>
/// How one <see cref="MosquittoClient"/> connects. Validated by <see cref="Validate"/> in the constructor of the client, so a
/// bad combination fails before any thread starts. <see cref="ToString"/> never prints the password.
/// </summary>
public sealed record MosquittoClientOptions
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string ClientId { get; init; }

    /// <summary>False keeps the broker session (subscriptions, queued QoS 1 messages) across reconnects.</summary>
    public bool CleanSession { get; init; } = true;

    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>v5 only: how long the broker keeps a non-clean session after a disconnect.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.Zero;

    /// <summary>The connect watchdog: a CONNACK must arrive within this time, or the attempt is abandoned and reported.
    /// A TLS failure can otherwise leave a connect silently pending.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>QoS 1 messages in flight at once (MOSQ_OPT_SEND_MAXIMUM). 20 is the library default; 1000 is ~40% faster on loopback.</summary>
    public int MaxInflight { get; init; } = 1000;

    public MqttTls? Tls { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public MqttWill? Will { get; init; }

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return "Host is empty";
        }

        if (Port is < 1 or > 65535)
        {
            yield return $"Port {Port} is outside 1..65535";
        }

        if (string.IsNullOrEmpty(ClientId) || ClientId.Length > 128)
        {
            yield return "ClientId must be 1..128 characters";
        }

        if (KeepAlive < TimeSpan.FromSeconds(5) || KeepAlive > TimeSpan.FromHours(18))
        {
            yield return $"KeepAlive {KeepAlive} is outside 00:00:05..18:00:00";
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            yield return "ConnectTimeout must be positive";
        }

        if (ReconnectDelayMin <= TimeSpan.Zero || ReconnectDelayMax < ReconnectDelayMin)
        {
            yield return "ReconnectDelayMin must be positive and not above ReconnectDelayMax";
        }

        if (MaxInflight is < 1 or > 65535)
        {
            yield return $"MaxInflight {MaxInflight} is outside 1..65535";
        }

        if (Password is not null && Username is null)
        {
            yield return "a Password needs a Username";
        }

        if (Tls is not null && (Tls.CertFile is null) != (Tls.KeyFile is null))
        {
            yield return "a TLS client certificate needs both CertFile and KeyFile";
        }
    }

    public override string ToString() =>
        $"{(Tls is null ? "mqtt" : "mqtts")}://{Host}:{Port} client={ClientId} {Protocol} clean={CleanSession}"
        + (Username is null ? string.Empty : $" user={Username} password={(Password is null ? "none" : "***")}");
}
