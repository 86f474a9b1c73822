using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Mosquitto;

/// <summary>
/// Raw libmosquitto 2.0 exports (mosquitto.h, https://mosquitto.org/api/files/mosquitto-h.html). Loaded by soname
/// libmosquitto.so.1: the unversioned .so only comes with the -dev package. C <c>bool</c> is one byte; calls that can
/// fail with MOSQ_ERR_ERRNO use SetLastError so the errno survives until we read it.
/// </summary>
/// <remarks>Names and signatures are the C ones; no logic lives here. Callbacks are plain C function pointers that
/// receive the <c>obj</c> pointer given to <see cref="mosquitto_new"/>.</remarks>
internal static unsafe partial class MosquittoNative
{
    private const string Library = "libmosquitto.so.1";

    // enum mosq_opt_t
    public const int MOSQ_OPT_PROTOCOL_VERSION = 1;
    public const int MOSQ_OPT_RECEIVE_MAXIMUM = 4;
    public const int MOSQ_OPT_SEND_MAXIMUM = 5;
    public const int MOSQ_OPT_TCP_NODELAY = 11;

    // mqtt_protocol.h
    public const int MQTT_PROTOCOL_V311 = 4;
    public const int MQTT_PROTOCOL_V5 = 5;
    public const int MQTT_PROP_MESSAGE_EXPIRY_INTERVAL = 2;
    public const int MQTT_PROP_SESSION_EXPIRY_INTERVAL = 17;

    /// <summary><c>struct mosquitto_message</c>. Valid only during the message callback.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct mosquitto_message
    {
        public int mid;
        public nint topic;
        public nint payload;
        public int payloadlen;
        public int qos;
        public byte retain;
    }

    [LibraryImport(Library)]
    public static partial int mosquitto_lib_version(out int major, out int minor, out int revision);

    /// <summary>Must run once per process before <see cref="mosquitto_new"/>.</summary>
    [LibraryImport(Library)]
    public static partial int mosquitto_lib_init();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial MosquittoSafeHandle mosquitto_new(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint obj);

    [LibraryImport(Library)]
    public static partial void mosquitto_destroy(nint mosq);

    [LibraryImport(Library)]
    public static partial int mosquitto_threaded_set(MosquittoSafeHandle mosq, [MarshalAs(UnmanagedType.U1)] bool threaded);

    [LibraryImport(Library)]
    public static partial int mosquitto_int_option(MosquittoSafeHandle mosq, int option, int value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_will_set(MosquittoSafeHandle mosq, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_username_pw_set(MosquittoSafeHandle mosq, string? username, string? password);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_tls_set(MosquittoSafeHandle mosq, string? cafile, string? capath, string? certfile, string? keyfile, nint pwCallback);

    /// <summary>Blocking TCP connect (and TLS start), then queues CONNECT; CONNACK arrives through the loop.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mosquitto_connect_bind_v5(MosquittoSafeHandle mosq, string host, int port, int keepalive, string? bindAddress, nint properties);

    [LibraryImport(Library)]
    public static partial int mosquitto_disconnect(MosquittoSafeHandle mosq);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int mosquitto_loop(MosquittoSafeHandle mosq, int timeout, int maxPackets);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mosquitto_publish_v5(MosquittoSafeHandle mosq, out int mid, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain, nint properties);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mosquitto_subscribe(MosquittoSafeHandle mosq, out int mid, string sub, int qos);

    [LibraryImport(Library)]
    public static partial void mosquitto_connect_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged<nint, nint, int, void> callback);

    [LibraryImport(Library)]
    public static partial void mosquitto_disconnect_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged<nint, nint, int, void> callback);

    [LibraryImport(Library)]
    public static partial void mosquitto_publish_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged<nint, nint, int, void> callback);

    [LibraryImport(Library)]
    public static partial void mosquitto_message_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged<nint, nint, mosquitto_message*, void> callback);

    [LibraryImport(Library)]
    public static partial nint mosquitto_strerror(int rc);

    [LibraryImport(Library)]
    public static partial nint mosquitto_connack_string(int code);

    [LibraryImport(Library)]
    public static partial nint mosquitto_reason_string(int code);

    /// <summary>Appends to a property list; the list is freed with <see cref="mosquitto_property_free_all"/>.</summary>
    [LibraryImport(Library)]
    public static partial int mosquitto_property_add_int32(ref nint proplist, int identifier, uint value);

    [LibraryImport(Library)]
    public static partial void mosquitto_property_free_all(ref nint proplist);
}

internal static unsafe partial class MosquittoNative
{
    [LibraryImport("libmosquitto.so.1")]
    public static partial void mosquitto_publish_v5_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged<nint, nint, int, int, nint, void> callback);
}
