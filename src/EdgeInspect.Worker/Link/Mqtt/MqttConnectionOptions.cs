namespace EdgeInspect.Worker.Link.Mqtt;

/// <summary>MQTT protocol level. v5 adds reason codes on PUBACK, session and message expiry, and retain-as-published.</summary>
public enum MqttProtocol
{
    V311,
    V5,
}

/// <summary>
/// TLS settings, all through .NET's <see cref="System.Net.Security.SslStream"/>: the broker is verified against a CA file,
/// the system trust store, or both; the station may present a client certificate as PEM (key unencrypted or
/// PKCS#8-encrypted with <see cref="KeyPassphrase"/>) or as a PFX/PKCS#12 file.
/// </summary>
/// <remarks><see cref="ToString"/> never prints a passphrase.</remarks>
public sealed record MqttTls
{
    /// <summary>PEM file of the CA certificate(s) that signed the broker's certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>Also accept a broker certificate that chains to the operating system's trust store.</summary>
    public bool UseSystemTrust { get; init; }

    /// <summary>PEM client certificate; needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Secret: the passphrase of an encrypted PKCS#8 <see cref="KeyFile"/>.</summary>
    public string? KeyPassphrase { get; init; }

    /// <summary>PFX/PKCS#12 file holding the client certificate and its key (instead of CertFile/KeyFile).</summary>
    public string? PfxFile { get; init; }

    /// <summary>Secret: the password of <see cref="PfxFile"/>.</summary>
    public string? PfxPassphrase { get; init; }

    public bool HasClientCertificate => CertFile is not null || PfxFile is not null;

    public override string ToString() =>
        $"ca={CaFile ?? "-"} system-trust={UseSystemTrust} client={(PfxFile ?? CertFile) ?? "-"}"
        + (KeyPassphrase is null && PfxPassphrase is null ? string.Empty : " passphrase=***");
}

/// <summary>The last will the broker publishes (QoS 1) if this client vanishes without a DISCONNECT.</summary>
public sealed record MqttWill(string Topic, byte[] Payload, bool Retain = true);

/// <summary>One thing wrong with a set of options: the field (as named in the station file's <c>link</c> section), what is wrong, what is expected.</summary>
public sealed record OptionProblem(string Field, string Problem, string Expected)
{
    public override string ToString() => $"{Field} {Problem}; expected {Expected}";
}

/// <summary>
/// How one <see cref="MqttConnection"/> connects. <see cref="Validate"/> is the one place for the rules of these fields:
/// the connection refuses invalid options before it starts, and <c>LinkOptions</c> reports the same problems at config
/// load, under its own field names. <see cref="ToString"/> never prints the password or a passphrase.
/// </summary>
public sealed record MqttConnectionOptions
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string ClientId { get; init; }

    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    /// <summary>False keeps the broker session (subscriptions, queued QoS 1 messages) across reconnects.</summary>
    public bool CleanSession { get; init; } = true;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>v5 only: how long the broker keeps a non-clean session after a disconnect.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The connect watchdog: TCP, TLS and CONNACK must complete within this time, or the attempt is abandoned and
    /// reported. Without it a silent peer holds a connect for MQTTnet's default of 100 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);

    public MqttTls? Tls { get; init; }

    public string? Username { get; init; }

    /// <summary>Secret: never logged.</summary>
    public string? Password { get; init; }

    public MqttWill? Will { get; init; }

    /// <summary>
    /// When set, called before every connect attempt; the will it returns replaces <see cref="Will"/> for that attempt.
    /// For a will that changes per session (the Sparkplug NDEATH carries the session's bdSeq).
    /// </summary>
    public Func<MqttWill>? WillPerConnect { get; init; }

    /// <summary>
    /// v5 only: end a connection on purpose with DISCONNECT reason 0x04 "disconnect with will message", so the broker
    /// publishes the will anyway (Sparkplug asks this of an edge node). False: a normal DISCONNECT, the will is discarded.
    /// </summary>
    public bool DisconnectWithWill { get; init; }

    /// <summary>Every problem at once; empty when the options are usable. Checks values only, never the file system.</summary>
    public IEnumerable<OptionProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return new("host", "is missing", "a broker host name or IP address");
        }

        if (Port is < 1 or > 65535)
        {
            yield return new("port", $"is {Port}", "a TCP port in 1..65535");
        }

        if (string.IsNullOrEmpty(ClientId) || ClientId.Length > 128)
        {
            yield return new("clientId", $"is {ClientId.Length} characters", "1..128 characters (the station's deviceId)");
        }

        foreach (var problem in Time("keepAlive", KeepAlive, TimeSpan.FromSeconds(5), TimeSpan.FromHours(18))
                     .Concat(Time("connectTimeout", ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)))
                     .Concat(Time("reconnectDelayMin", ReconnectDelayMin, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)))
                     .Concat(Time("reconnectDelayMax", ReconnectDelayMax, ReconnectDelayMin, TimeSpan.FromHours(1)))
                     .Concat(Time("sessionExpiry", SessionExpiry, TimeSpan.Zero, TimeSpan.FromDays(30))))
        {
            yield return problem;
        }

        if (Password is not null && Username is null)
        {
            yield return new("password", "is set without a username", "a username with the password");
        }

        if (Tls is not { } tls)
        {
            yield break;
        }

        if ((tls.CertFile is null) != (tls.KeyFile is null))
        {
            yield return new(tls.CertFile is null ? "tlsCertFile" : "tlsKeyFile", "is missing", "both tlsCertFile and tlsKeyFile, or neither");
        }

        if (tls.PfxFile is not null && tls.CertFile is not null)
        {
            yield return new("tlsPfxFile", "is set together with tlsCertFile", "one client certificate: a PFX file, or a PEM certificate and key");
        }

        if (tls.KeyPassphrase is not null && tls.KeyFile is null)
        {
            yield return new("tlsKeyPassphrase", "is set without tlsKeyFile", "the passphrase only with the encrypted key it opens");
        }

        if (tls.PfxPassphrase is not null && tls.PfxFile is null)
        {
            yield return new("tlsPfxPassphrase", "is set without tlsPfxFile", "the passphrase only with the PFX file it opens");
        }

        if (tls.CaFile is null && !tls.UseSystemTrust)
        {
            yield return new("tlsCaFile", "is missing", "a CA file, or tlsUseSystemTrust, to verify the broker when TLS is configured");
        }

        static IEnumerable<OptionProblem> Time(string field, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                yield return new(field, $"is {value}", $"a TimeSpan between {min:c} and {max:c}");
            }
        }
    }

    public override string ToString() =>
        $"{(Tls is null ? "mqtt" : "mqtts")}://{Host}:{Port} client={ClientId} {(Protocol == MqttProtocol.V5 ? "v5" : "v3.1.1")} clean={CleanSession}"
        + (Username is null ? string.Empty : $" user={Username} password={(Password is null ? "none" : "***")}")
        + (Tls is null ? string.Empty : $" tls({Tls})");
}
