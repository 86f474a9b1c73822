using EdgeInspect.Worker.Hosting;

namespace EdgeInspect.Worker.Tests.Performance;

/// <summary>The malloc arena limit the executable sets before its first thread (docs/performance.md, "Runtime settings").</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void Arenas_Are_Limited_On_Glibc_Unless_The_Operator_Chose_MALLOC_ARENA_MAX()
    {
        var before = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX");
        try
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", null);
            // This machine (Debian, glibc) is what the station runs on: mallopt accepts the limit.
            Assert.True(NativeHeap.LimitArenas(), "mallopt(M_ARENA_MAX) was not accepted");

            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", "8");
            Assert.False(NativeHeap.LimitArenas(), "an operator's MALLOC_ARENA_MAX was overridden");
        }
        finally
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", before);
        }
    }
}
