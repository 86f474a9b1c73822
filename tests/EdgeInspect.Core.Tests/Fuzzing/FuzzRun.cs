using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace EdgeInspect.Tests.Fuzzing;

/// <summary>
/// Runs one fuzz target with CsCheck: a number of generated cases (10,000 in CI, more with
/// <c>EDGEINSPECT_FUZZ_CASES</c>), each held to the hang limit, every failure shrunk by CsCheck to a small input and
/// reported with the seed that replays it (<c>EDGEINSPECT_FUZZ_SEED</c>). This file is linked into the Core, Worker and
/// Native test projects (see docs/reliability.md).
/// </summary>
internal static class FuzzRun
{
    /// <summary>The xunit collection of the fuzz tests: they run alone, after the parallel tests, on one thread.</summary>
    public const string Collection = "Fuzz";

    /// <summary>Environment variable: cases per target (default: each target's CI count).</summary>
    public const string CasesVariable = "EDGEINSPECT_FUZZ_CASES";

    /// <summary>Environment variable: a CsCheck seed, as printed by a failing run, to replay it.</summary>
    public const string SeedVariable = "EDGEINSPECT_FUZZ_SEED";

    /// <summary>Environment variable: worker threads for long runs (default 1; CsCheck's -1 is every core).</summary>
    public const string ThreadsVariable = "EDGEINSPECT_FUZZ_THREADS";

    /// <summary>A case that takes longer than this is a hang (issue 19: 0 hangs over 1 s).</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(1);

    /// <summary>A case still running after this is reported at once, without waiting for it to end.</summary>
    private static readonly TimeSpan StuckLimit = TimeSpan.FromSeconds(10);

    /// <summary>Cases to run: the CI count unless <see cref="CasesVariable"/> says otherwise.</summary>
    public static long Cases(long ci = 10_000) =>
        long.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : ci;

    /// <summary>
    /// Samples <paramref name="gen"/> and checks <paramref name="property"/> on each case. The property throws for a
    /// finding; any exception escaping it fails the run, shrunk to a minimal case.
    /// </summary>
    /// <remarks>One thread by default: the fuzz set must not load the machine under the timing tests that run beside it.</remarks>
    /// <returns>How many cases ran, for the caller's coverage checks.</returns>
    public static async Task<long> CheckAsync<T>(Gen<T> gen, Action<T> property, long ci = 10_000, Func<T, string>? print = null, int threads = 1)
    {
        var running = new ConcurrentDictionary<int, (long Start, T Input)>();
        var stuck = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        long ran = 0;
        await using var watchdog = new Timer(_ =>
        {
            foreach (var (_, (start, input)) in running)
            {
                if (Stopwatch.GetElapsedTime(start) > StuckLimit)
                {
                    stuck.TrySetResult(print is null ? Check.Print(input) : print(input));
                }
            }
        }, null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));

        // One untimed case first: JIT, native library loads and first file writes are not the parser's time.
        await Task.Run(() => gen.Sample(property, iter: 1, threads: 1, print: print));

        var cases = Cases(ci);
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } s ? s : null;
        var sample = Task.Run(() => gen.Sample(
            input =>
            {
                var thread = Environment.CurrentManagedThreadId;
                var start = Stopwatch.GetTimestamp();
                running[thread] = (start, input);
                try
                {
                    property(input);
                }
                finally
                {
                    running.TryRemove(thread, out _);
                }

                Interlocked.Increment(ref ran);
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (elapsed > HangLimit)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"one case took {elapsed.TotalMilliseconds:0} ms; the limit is {HangLimit.TotalMilliseconds:0} ms"));
                }
            },
            seed: seed,
            iter: cases,
            threads: int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) && t != 0 ? t : threads,
            print: print));

        if (await Task.WhenAny(sample, stuck.Task) == stuck.Task)
        {
            Assert.Fail($"a case has been running for over {StuckLimit.TotalSeconds:0} s (a hang): {stuck.Task.Result}");
        }

        await sample;
        return Interlocked.Read(ref ran);
    }

    /// <summary>Fails unless a share of the cases reached an outcome: a generator that never reaches it tests nothing.</summary>
    /// <param name="outcome">The outcome, e.g. "accepted".</param>
    /// <param name="count">Cases that reached it.</param>
    /// <param name="total">Cases run.</param>
    /// <param name="minimumShare">The share expected at least.</param>
    /// <param name="detail">What the other cases did instead, for the failure message.</param>
    public static void Reached(string outcome, long count, long total, double minimumShare = 0.01, Func<string>? detail = null)
    {
        if (count < Math.Max(1, (long)(total * minimumShare)))
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"only {count} of {total} generated cases were {outcome} (at least {minimumShare:P0} expected): the generator does not reach it. {detail?.Invoke()}"));
        }
    }
}

/// <summary>Fuzz tests take a whole core each: never beside another test of the same assembly.</summary>
[CollectionDefinition(FuzzRun.Collection, DisableParallelization = true)]
public sealed class FuzzCollection;
