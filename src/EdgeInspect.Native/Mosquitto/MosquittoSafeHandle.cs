using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Mosquitto;

/// <summary>Owns one <c>struct mosquitto*</c>. The network thread must have stopped before this is released.</summary>
internal sealed class MosquittoSafeHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        MosquittoNative.mosquitto_destroy(handle);
        return true;
    }
}
