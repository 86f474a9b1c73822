namespace EdgeInspect.Native.Mosquitto;

/// <summary>Process-wide libmosquitto setup: loads the library explicitly and calls mosquitto_lib_init exactly once.</summary>
internal static class MosquittoLibrary
{
    private static readonly Lock Gate = new();
    private static bool _initialized;

    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_initialized)
            {
                return;
            }

            NativeLibraries.Load(NativeLibraryId.Mosquitto);
            MosquittoErrors.Check(MosquittoNative.mosquitto_lib_init(), "mosquitto_lib_init");
            // mosquitto_lib_cleanup is deliberately never called: clients may still be alive on other threads at exit.
            _initialized = true;
        }
    }
}
