namespace EdgeInspect.Native.Mosquitto;

/// <summary>A received message, copied out of libmosquitto's memory inside the callback; safe to keep.</summary>
public sealed record MqttMessage(string Topic, byte[] Payload, int Qos, bool Retain);

/// <summary>Why a connection attempt or a live connection ended.</summary>
public sealed record MqttConnectionLost(string Reason, bool WasConnected, bool IsTlsProblem);
