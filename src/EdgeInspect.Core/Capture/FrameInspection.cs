using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Capture;

/// <summary>A cheap look at a frame: a hash of sampled pixels and how many of them are dark or clipped.</summary>
/// <param name="Hash">FNV-1a of the sampled pixels; equal hashes on consecutive frames mean a frozen picture.</param>
/// <param name="DarkFraction">Sampled pixels whose channels are all at or below the dark level.</param>
/// <param name="ClippedFraction">Sampled pixels with a channel at or above the saturated level.</param>
public readonly record struct FrameFingerprint(ulong Hash, double DarkFraction, double ClippedFraction)
{
    /// <summary>About this many pixels are sampled, on a regular grid: enough to see sensor noise, cheap at any resolution.</summary>
    public const int SamplePixels = 4096;

    /// <summary>Samples <paramref name="frame"/> on a grid of about <see cref="SamplePixels"/> pixels. Allocates nothing.</summary>
    public static FrameFingerprint Of(Frame frame, int darkLevel, int saturatedLevel)
    {
        var pixels = frame.Buffer;
        var width = frame.Width;
        var height = frame.Height;
        var step = Math.Max(1, (int)Math.Sqrt((double)width * height / SamplePixels));
        var hash = 14695981039346656037UL;
        int sampled = 0, dark = 0, clipped = 0;
        for (var y = step / 2; y < height; y += step)
        {
            var row = y * frame.Stride;
            // Offset every other row so a pattern repeating at the grid step cannot hide a change.
            for (var x = (y / step & 1) * (step / 2); x < width; x += step)
            {
                var i = row + x * 3;
                byte b = pixels[i], g = pixels[i + 1], r = pixels[i + 2];
                hash = (hash ^ b) * 1099511628211UL;
                hash = (hash ^ g) * 1099511628211UL;
                hash = (hash ^ r) * 1099511628211UL;
                sampled++;
                if (b <= darkLevel && g <= darkLevel && r <= darkLevel)
                {
                    dark++;
                }

                if (b >= saturatedLevel || g >= saturatedLevel || r >= saturatedLevel)
                {
                    clipped++;
                }
            }
        }

        return sampled == 0 ? new(hash, 0, 0) : new(hash, (double)dark / sampled, (double)clipped / sampled);
    }
}

/// <summary>Counts consecutive identical frames and says when a stream freezes and when it moves again.</summary>
public sealed class FrozenStreamDetector(int frozenFrameCount)
{
    private ulong _lastHash;
    private bool _hasLast;

    /// <summary>Consecutive frames with the same hash so far (1 after a change).</summary>
    public int IdenticalRun { get; private set; }

    public bool IsFrozen { get; private set; }

    /// <summary>What a new frame changed.</summary>
    public enum Transition
    {
        None,
        Froze,
        Thawed,
    }

    public Transition Observe(ulong hash)
    {
        if (_hasLast && hash == _lastHash)
        {
            IdenticalRun++;
        }
        else
        {
            _lastHash = hash;
            _hasLast = true;
            IdenticalRun = 1;
        }

        if (!IsFrozen && IdenticalRun >= frozenFrameCount)
        {
            IsFrozen = true;
            return Transition.Froze;
        }

        if (IsFrozen && IdenticalRun == 1)
        {
            IsFrozen = false;
            return Transition.Thawed;
        }

        return Transition.None;
    }

    /// <summary>Forgets the last frame (after a reconnect the first frame is not compared with the old stream).</summary>
    public void Reset()
    {
        _hasLast = false;
        IdenticalRun = 0;
    }
}
