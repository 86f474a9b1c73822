using System.Runtime.CompilerServices;
using EdgeInspect.Native.Gpiod;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// Makes this test process choose its libgpiod before any test loads the bootstrapped libgpiod.so.3 by path. Once a
/// file with that soname is in a process, glibc answers every later <c>dlopen("libgpiod.so.3")</c> with it, so the
/// system-loader step of the choice would find the test's copy and pick libgpiod 2 on a Debian 12 machine. A station
/// never loads a second libgpiod, so this is a test-process matter only.
/// </summary>
internal static class ProcessLibgpiod
{
    [ModuleInitializer]
    internal static void ChooseFirst()
    {
        try
        {
            GpiodLibrary.Selected();
        }
        catch (NativeLibraryMissingException)
        {
            // The tests that need a libgpiod fail on their own, with this message.
        }
    }
}
