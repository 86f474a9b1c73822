using System.Net.Sockets;
using System.Security.Authentication;
using MQTTnet;
using MQTTnet.Exceptions;

namespace EdgeInspect.Worker.Link.Mqtt;

/// <summary>The one place where MQTTnet's exceptions and reason codes become the reasons the link logs and reports.</summary>
internal static class MqttErrors
{
    /// <summary>A connect attempt that threw: refused port, DNS, TLS, watchdog.</summary>
    public static MqttConnectionLost ConnectFailed(Exception exception, MqttConnectionOptions options, bool watchdogFired, string? tlsRefusal)
    {
        var where = $"{options.Host}:{options.Port}";
        var tlsHint = options.Tls is null ? string.Empty
            : $"; check that the broker's certificate is signed by the CA in '{options.Tls.CaFile ?? "the system trust store"}' and names '{options.Host}'";
        if (tlsRefusal is not null)
        {
            return new($"TLS handshake with {where} failed: {tlsRefusal}{tlsHint}", false, true);
        }

        if (watchdogFired)
        {
            return new($"no CONNACK from {where} within {options.ConnectTimeout.TotalSeconds:0.###} s (connect watchdog)"
                + (options.Tls is null ? string.Empty : $"; with TLS this usually means the handshake stalled{tlsHint}"), false, options.Tls is not null);
        }

        if (Find<AuthenticationException>(exception) is { } auth)
        {
            return new($"TLS handshake with {where} failed: {Innermost(auth).Message}{tlsHint}", false, true);
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            var text = $"connect to {where} failed: {socket.Message} (errno {socket.NativeErrorCode}, {socket.SocketErrorCode})";
            // Under TLS 1.3 a broker that refuses the client certificate does so after the client's handshake is done:
            // the station sees the socket dropped, not an authentication error.
            return options.Tls is not null && !ReachingTheHost(socket.SocketErrorCode)
                ? new($"{text}: the broker dropped the connection after the TLS handshake{tlsHint}, and that it accepts this client certificate", false, true)
                : new(text, false, false);
        }

        // A TLS broker that drops a client without a certificate shows up as a closed stream, not as an AuthenticationException.
        var tls = options.Tls is not null && Find<IOException>(exception) is not null;
        return new($"connect to {where} failed: {Innermost(exception).Message}{(tls ? tlsHint + ", and that it accepts this client certificate" : string.Empty)}", false, tls);
    }

    /// <summary>A CONNACK with a failure reason code.</summary>
    public static MqttConnectionLost Refused(MqttClientConnectResult result, MqttConnectionOptions options)
    {
        var hint = result.ResultCode switch
        {
            MqttClientConnectResultCode.UnsupportedProtocolVersion when options.Protocol == MqttProtocol.V5 =>
                "; the broker does not speak MQTT 5: set link:protocolVersion to \"3.1.1\"",
            MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
                "; check link:username and link:password, and the broker's ACL for this device",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "; check station:deviceId (it is the client id)",
            _ => string.Empty,
        };
        var text = string.IsNullOrEmpty(result.ReasonString) ? string.Empty : $" \"{result.ReasonString}\"";
        return new($"broker {options.Host}:{options.Port} refused the connection: {result.ResultCode} ({(int)result.ResultCode}){text}{hint}", false, false);
    }

    /// <summary>A live connection that ended.</summary>
    public static MqttConnectionLost Lost(MqttClientDisconnectedEventArgs e)
    {
        var why = e.Exception is { } exception ? Innermost(exception).Message : e.Reason.ToString();
        var text = string.IsNullOrEmpty(e.ReasonString) ? string.Empty : $" \"{e.ReasonString}\"";
        return new($"connection lost: {why} (reason {e.Reason}){text}", true, false);
    }

    /// <summary>A PUBACK's reason code as an outcome: below 0x80 the broker has the message.</summary>
    public static PublishOutcome Outcome(MqttClientPublishResult result) => new(
        (int)result.ReasonCode < 0x80 ? PublishStatus.Acknowledged : PublishStatus.Refused,
        (int)result.ReasonCode,
        string.IsNullOrEmpty(result.ReasonString) ? result.ReasonCode.ToString() : $"{result.ReasonCode} \"{result.ReasonString}\"");

    /// <summary>A publish that threw, synchronously or while waiting for its PUBACK.</summary>
    public static PublishOutcome Outcome(Exception exception) => exception switch
    {
        MqttClientNotConnectedException => new(PublishStatus.NotConnected, -1, "not connected"),
        MqttCommunicationException or OperationCanceledException or ObjectDisposedException => new(PublishStatus.ConnectionLost, -1, Innermost(exception).Message),
        _ => new(PublishStatus.Failed, -1, Innermost(exception).Message),
    };

    private static bool ReachingTheHost(SocketError error) => error is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
        or SocketError.NetworkUnreachable or SocketError.TimedOut or SocketError.TryAgain or SocketError.NoData or SocketError.AddressNotAvailable;

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
