namespace EdgeInspect.Worker.Link.Mqtt;

/// <summary>A received message, copied out of MQTTnet's buffers: safe to keep.</summary>
/// <param name="Topic">Full topic.</param>
/// <param name="Payload">The bytes as sent.</param>
/// <param name="Qos">0, 1 or 2.</param>
/// <param name="Retain">The retain flag as the station saw it. With retain-as-published (v5) a retained message
/// delivered live keeps its flag; under 3.1.1 the broker clears it on live delivery.</param>
public sealed record MqttMessage(string Topic, byte[] Payload, int Qos, bool Retain);

/// <summary>Why a connection attempt or a live connection ended.</summary>
public sealed record MqttConnectionLost(string Reason, bool WasConnected, bool IsTlsProblem);

/// <summary>What a CONNACK told the station, for each connection.</summary>
/// <param name="Generation">Grows by one per successful connection.</param>
/// <param name="SessionPresent">The broker kept the session (subscriptions, queued messages) from before.</param>
/// <param name="ReceiveMaximum">QoS 1 publishes the broker accepts in flight at once (65535 when it sets no limit, and under 3.1.1).</param>
public sealed record MqttSession(int Generation, bool SessionPresent, int ReceiveMaximum);

/// <summary>How a QoS 1 publish ended.</summary>
public enum PublishStatus
{
    /// <summary>PUBACK with a success reason code (0x00, or 0x10 "no matching subscribers"): the broker has it.</summary>
    Acknowledged,

    /// <summary>PUBACK with a reason code of 0x80 or above (e.g. 0x87 not authorized): the broker refused it.</summary>
    Refused,

    /// <summary>Not sent: there was no connection at the time of the call.</summary>
    NotConnected,

    /// <summary>Sent, but the connection ended before the PUBACK arrived: the broker may or may not have it.</summary>
    ConnectionLost,

    /// <summary>Not sent: the message itself was unusable (for example an invalid topic or an oversized payload).</summary>
    Failed,
}

/// <summary>The awaited result of <see cref="MqttConnection.PublishAsync"/>; never an exception.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="ReasonCode">The PUBACK's MQTT v5 reason code (0 under 3.1.1); -1 when no PUBACK arrived.</param>
/// <param name="Detail">The reason code's name, or what went wrong.</param>
public readonly record struct PublishOutcome(PublishStatus Status, int ReasonCode, string Detail)
{
    public bool IsAcknowledged => Status == PublishStatus.Acknowledged;

    public override string ToString() => ReasonCode >= 0 ? $"{Status}: {Detail} (0x{ReasonCode:x2})" : $"{Status}: {Detail}";
}

/// <summary>The connection cannot be set up as configured (a TLS file is missing or unreadable); the message names the file and the fix.</summary>
public sealed class MqttSetupException(string message, Exception? inner = null) : Exception(message, inner);
