namespace EdgeInspect.Native.Mosquitto;

/// <summary>The version of the loaded libmosquitto.</summary>
public static class MosquittoInfo
{
    public static Version LibraryVersion()
    {
        NativeLibraries.Load(NativeLibraryId.Mosquitto);
        MosquittoNative.mosquitto_lib_version(out var major, out var minor, out var revision);
        return new Version(major, minor, revision);
    }
}
