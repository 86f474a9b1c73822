using System.Buffers;
using System.Text;

namespace EdgeInspect.Core.Automation;

/// <summary>
/// Deterministic selection of parts by a hash of the part id: the same part id always lands in the same place in
/// [0, 1), on every machine and after every restart. Canary, audit and sample selection use it instead of a random
/// generator so a selection can be reproduced from the records alone, and so replaying a line gives the same split.
/// </summary>
/// <remarks>
/// Hash: 64-bit FNV-1a over the UTF-8 bytes of the salt then the part id, finished with the SplitMix64 mixer
/// (FNV-1a alone leaves similar ids such as "s-1-41" and "s-1-42" close in the high bits). The top 53 bits become a
/// double in [0, 1). Each use has its own salt, so the canary set and the audit set are independent of each other.
/// </remarks>
public static class PartSelection
{
    /// <summary>Salt for canary selection (which parts the model decides in canary mode).</summary>
    public const string CanarySalt = "canary";

    /// <summary>Salt for audit selection (which model-decided parts the inspector also judges).</summary>
    public const string AuditSalt = "audit";

    /// <summary>Salt for the random fraction of saved samples.</summary>
    public const string SampleSalt = "sample";

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The part's stable position in [0, 1) for <paramref name="salt"/>.</summary>
    public static double Position(string partId, string salt)
    {
        var hash = Fnv1a(FnvOffset, salt);
        hash = (hash ^ 0x1F) * FnvPrime; // a separator, so ("ab","c") and ("a","bc") differ
        hash = Mix(Fnv1a(hash, partId));
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Whether the part falls inside <paramref name="fraction"/> (0 selects none, 1 selects all).</summary>
    public static bool IsSelected(string partId, string salt, double fraction) =>
        fraction >= 1.0 || (fraction > 0.0 && Position(partId, salt) < fraction);

    private static ulong Fnv1a(ulong hash, string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            foreach (var b in buffer[..length])
            {
                hash = (hash ^ b) * FnvPrime;
            }

            return hash;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
