using System.Buffers;
using System.Text;

namespace EdgeInspect.Core.Automation;

/// <summary>
/// Deterministic selection of parts by their id: the same part id always lands at the same position in [0, 1), on
/// every machine and after every restart, and a part is selected when its position is below the configured fraction.
/// Canary, audit and sample selection use it instead of a random generator, so a selection can be reproduced from the
/// records alone and a replay of the line gives the same split.
/// </summary>
/// <remarks>
/// Part ids end in a sequence number (<see cref="Records.PartIds"/>: "{station}-{bootEpochMs}-{seq}"). A hash of the
/// rest of the id (FNV-1a 64 over the UTF-8 bytes of the salt and the prefix, finished with the SplitMix64 mixer) sets
/// an offset, and the sequence number walks a Weyl sequence from it: position = frac(offset + seq · α), α a quadratic
/// irrational. Consecutive parts are then spread evenly: any run of 1,000 parts holds the configured fraction to within
/// a part or two, where a plain hash wanders like a coin (±1.6 points at 50% over 1,000 parts, one standard deviation).
/// Each use has its own α (golden ratio for canary, √2 for audit, √3 for samples), so the sets are independent.
/// An id without a numeric tail falls back to the plain hash of the whole id. Arithmetic is 64-bit fixed point, exact
/// modulo 2⁶⁴, so results do not depend on floating-point rounding.
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

    // frac(α) · 2⁶⁴ for α = golden ratio, √2 and √3: badly approximable numbers, so the Weyl sequences stay even.
    private const ulong GoldenStep = 0x9E3779B97F4A7C15UL;
    private const ulong Sqrt2Step = 0x6A09E667F3BCC908UL;
    private const ulong Sqrt3Step = 0xBB67AE8584CAA73BUL;

    /// <summary>The part's stable position in [0, 1) for <paramref name="salt"/>.</summary>
    public static double Position(string partId, string salt)
    {
        ArgumentNullException.ThrowIfNull(partId);
        var seed = (Fnv1a(FnvOffset, salt) ^ 0x1F) * FnvPrime; // a separator, so ("ab","c") and ("a","bc") differ
        var dash = partId.LastIndexOf('-');
        ulong position;
        if (dash > 0 && ulong.TryParse(partId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            var offset = Mix(Fnv1a(seed, partId.AsSpan(0, dash)));
            position = unchecked(offset + (seq * Step(salt)));
        }
        else
        {
            position = Mix(Fnv1a(seed, partId));
        }

        return (position >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Whether the part falls inside <paramref name="fraction"/> (0 selects none, 1 selects all).</summary>
    public static bool IsSelected(string partId, string salt, double fraction) =>
        fraction >= 1.0 || (fraction > 0.0 && Position(partId, salt) < fraction);

    private static ulong Step(string salt) => salt switch
    {
        AuditSalt => Sqrt2Step,
        SampleSalt => Sqrt3Step,
        _ => GoldenStep,
    };

    private static ulong Fnv1a(ulong hash, ReadOnlySpan<char> text)
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
