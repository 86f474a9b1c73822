using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Mosquitto;

/// <summary>A libmosquitto call failed. <see cref="Code"/> is the MOSQ_ERR_* value; <see cref="Errno"/> is set for MOSQ_ERR_ERRNO.</summary>
public sealed class MosquittoException(string message, int code, int errno) : Exception(message)
{
    public int Code { get; } = code;

    public int Errno { get; } = errno;
}

/// <summary>The one place where a libmosquitto return code becomes an exception or a readable reason.</summary>
internal static class MosquittoErrors
{
    public const int Success = 0;
    public const int NoConn = 4;
    public const int ConnLost = 7;
    public const int Tls = 8;
    public const int Errno = 14;
    public const int TlsHandshake = 23;

    private static readonly string[] Names =
    [
        "MOSQ_ERR_SUCCESS", "MOSQ_ERR_NOMEM", "MOSQ_ERR_PROTOCOL", "MOSQ_ERR_INVAL", "MOSQ_ERR_NO_CONN",
        "MOSQ_ERR_CONN_REFUSED", "MOSQ_ERR_NOT_FOUND", "MOSQ_ERR_CONN_LOST", "MOSQ_ERR_TLS", "MOSQ_ERR_PAYLOAD_SIZE",
        "MOSQ_ERR_NOT_SUPPORTED", "MOSQ_ERR_AUTH", "MOSQ_ERR_ACL_DENIED", "MOSQ_ERR_UNKNOWN", "MOSQ_ERR_ERRNO",
        "MOSQ_ERR_EAI", "MOSQ_ERR_PROXY", "MOSQ_ERR_PLUGIN_DEFER", "MOSQ_ERR_MALFORMED_UTF8", "MOSQ_ERR_KEEPALIVE",
        "MOSQ_ERR_LOOKUP", "MOSQ_ERR_MALFORMED_PACKET", "MOSQ_ERR_DUPLICATE_PROPERTY", "MOSQ_ERR_TLS_HANDSHAKE",
        "MOSQ_ERR_QOS_NOT_SUPPORTED", "MOSQ_ERR_OVERSIZE_PACKET", "MOSQ_ERR_OCSP", "MOSQ_ERR_TIMEOUT",
        "MOSQ_ERR_RETAIN_NOT_SUPPORTED", "MOSQ_ERR_TOPIC_ALIAS_INVALID", "MOSQ_ERR_ADMINISTRATIVE_ACTION",
        "MOSQ_ERR_ALREADY_EXISTS",
    ];

    public static string Name(int rc) => rc >= 0 && rc < Names.Length ? Names[rc] : $"MOSQ_ERR({rc})";

    /// <summary>"MOSQ_ERR_ERRNO: Connection refused (errno 111)" style text; errno is only meaningful for MOSQ_ERR_ERRNO.</summary>
    public static string Describe(int rc, int errno)
    {
        if (rc == Errno)
        {
            return $"{Name(rc)}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        }

        var text = Marshal.PtrToStringUTF8(MosquittoNative.mosquitto_strerror(rc)) ?? "unknown error";
        return $"{Name(rc)}: {text}";
    }

    /// <summary>Throws for any rc other than MOSQ_ERR_SUCCESS. Call right after the native call so errno is fresh.</summary>
    public static void Check(int rc, string operation)
    {
        if (rc == Success)
        {
            return;
        }

        var errno = rc == Errno ? Marshal.GetLastPInvokeError() : 0;
        throw new MosquittoException($"{operation} failed: {Describe(rc, errno)}", rc, errno);
    }
}
