using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// The edge node's birth/death sequence number, kept in a small file beside the outbox (<c>{outbox}.sparkplug-bdseq</c>)
/// so that it goes up across restarts: a host pairs each NDEATH with its NBIRTH by this number, and one that restarts
/// at 0 makes a late will from the previous run look like the death of the current session.
/// </summary>
/// <remarks>
/// <para>The number of a session is <see cref="Next"/> (0 on the very first connect, then one more than the last
/// session's, wrapping 255 → 0). It becomes the last one when the session is established (<see cref="Commit"/>): a
/// connect attempt that never reaches CONNACK registered no will with the broker and uses no number.</para>
/// <para>Written atomically: a temporary file, flushed to disk, then renamed over the old one. An unreadable file is
/// reported and treated as absent (the count starts at 0 again).</para>
/// <para>Thread-safe.</para>
/// </remarks>
internal sealed class BdSeqStore
{
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private int? _last;

    public BdSeqStore(string path, ILogger logger)
    {
        _path = path;
        _logger = logger;
        _last = Read();
    }

    public static string BesideOutbox(string outboxPath) => outboxPath + ".sparkplug-bdseq";

    public string Path => _path;

    /// <summary>The bdSeq of the latest session, or null before the first one.</summary>
    public int? Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>The bdSeq the next session will carry.</summary>
    public int Next
    {
        get
        {
            lock (_gate)
            {
                return _last is { } last ? (last + 1) % 256 : 0;
            }
        }
    }

    /// <summary>Records <paramref name="bdSeq"/> as the latest session's, durably.</summary>
    /// <exception cref="IOException">The file cannot be written (the message names it).</exception>
    public void Commit(int bdSeq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bdSeq);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bdSeq, 255);
        lock (_gate)
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var temporary = _path + ".tmp";
            try
            {
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(Encoding.ASCII.GetBytes(bdSeq.ToString(CultureInfo.InvariantCulture) + "\n"));
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, _path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot write the Sparkplug bdSeq file '{_path}' ({e.Message}); check that the outbox folder is writable", e);
            }

            _last = bdSeq;
        }
    }

    private int? Read()
    {
        try
        {
            if (!File.Exists(_path))
            {
                return null;
            }

            var text = File.ReadAllText(_path).Trim();
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 255)
            {
                return value;
            }

            _logger.LogWarning("Sparkplug bdSeq file {Path} holds \"{Text}\", not a number 0..255; bdSeq starts at 0 again", _path, text.Length > 20 ? text[..20] : text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Sparkplug bdSeq file {Path} cannot be read ({Reason}); bdSeq starts at 0 again", _path, e.Message);
        }

        return null;
    }
}
