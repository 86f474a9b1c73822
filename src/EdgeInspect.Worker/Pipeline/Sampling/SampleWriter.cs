using System.Threading.Channels;
using EdgeInspect.Core.Records;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Sampling;

/// <summary>Counters of a <see cref="SampleWriter"/>.</summary>
/// <param name="Dropped">Samples dropped because the queue was full (the oldest waiting one goes).</param>
/// <param name="Failed">Samples that could not be written (disk full, permissions...).</param>
/// <param name="DeletedForQuota">Samples deleted, oldest first, to stay within the quota.</param>
/// <param name="BytesOnDisk">Bytes the folder's samples take now.</param>
/// <param name="SkippedForDisk">Samples not written because their filesystem had less than the minimum free space left.</param>
public readonly record struct SampleWriterCounters(long Enqueued, long Written, long Dropped, long Failed, long DeletedForQuota, long BytesOnDisk, int SamplesOnDisk, long SkippedForDisk = 0);

/// <summary>
/// Saves samples for retraining (a JPEG plus a JSON sidecar holding the record) off the hot path. The caller's
/// <see cref="TryEnqueue"/> never blocks and never throws for I/O: a bounded queue drops its oldest waiting sample when
/// full, and one background task writes, each file to a temporary name then renamed, so a reader never sees half a
/// sample. The folder stays within a byte quota by deleting the oldest samples first. I/O errors (disk full) are
/// counted and logged, and the writer carries on.
/// </summary>
/// <remarks>
/// A sample is "{partId}.jpg" + "{partId}.json" (part id characters outside [A-Za-z0-9._-] become '_'). The JSON is
/// renamed into place last, so a .json means its .jpg is complete. Ownership: the JPEG memory passed to
/// <see cref="TryEnqueue"/> belongs to the writer until written; do not reuse the buffer.
/// A record may name its sample (<see cref="RelativePathFor"/>) before the sample is on disk; a sample dropped from
/// the queue or failed to write leaves that name pointing at nothing, which the counters account for.
/// Threading: <see cref="TryEnqueue"/> and <see cref="Counters"/> from any thread.
/// </remarks>
public sealed partial class SampleWriter : IAsyncDisposable
{
    private readonly Channel<Sample> _queue;
    private readonly ILogger _logger;
    private readonly long _quotaBytes;
    private readonly Queue<(string Stem, long Bytes)> _onDisk = new();
    private readonly Task _loop;
    private long _enqueued;
    private long _written;
    private long _dropped;
    private long _failed;
    private long _deleted;
    private long _bytesOnDisk;
    private int _samplesOnDisk;
    private readonly long _minFreeBytes;
    private long _skippedForDisk;
    private bool _diskShortLogged;

    /// <param name="folder">Where samples go; created if missing. Samples already there count against the quota.</param>
    /// <param name="quotaBytes">Most bytes the samples may take.</param>
    /// <param name="queueCapacity">Samples that may wait to be written.</param>
    /// <param name="minFreeBytes">Free bytes the samples leave on their filesystem (results come first); 0: only the quota.</param>
    public SampleWriter(string folder, long quotaBytes, int queueCapacity, ILogger<SampleWriter> logger, long minFreeBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minFreeBytes);
        _minFreeBytes = minFreeBytes;
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(quotaBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        Folder = Path.GetFullPath(folder);
        _quotaBytes = quotaBytes;
        _logger = logger;
        _queue = Channel.CreateBounded<Sample>(
            new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _loop = Task.Run(RunAsync);
    }

    public string Folder { get; }

    public SampleWriterCounters Counters => new(
        Interlocked.Read(ref _enqueued), Interlocked.Read(ref _written), Interlocked.Read(ref _dropped), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _deleted), Interlocked.Read(ref _bytesOnDisk), Volatile.Read(ref _samplesOnDisk), Interlocked.Read(ref _skippedForDisk));

    /// <summary>The JPEG's path relative to <see cref="Folder"/>, for the record's samplePath before it is written.</summary>
    public static string RelativePathFor(string partId) => Stem(partId) + ".jpg";

    /// <summary>Queues a sample. Never blocks.</summary>
    /// <param name="record">The envelope for the sidecar; its samplePath is set to <see cref="RelativePathFor"/>.</param>
    /// <returns>False only after <see cref="DisposeAsync"/>.</returns>
    public bool TryEnqueue(string partId, ReadOnlyMemory<byte> jpeg, InspectionRecord record)
    {
        if (!_queue.Writer.TryWrite(new Sample(partId, jpeg, record)))
        {
            return false;
        }

        Interlocked.Increment(ref _enqueued);
        return true;
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        try
        {
            Directory.CreateDirectory(Folder);
            ScanExisting();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFolderUnusable(_logger, Folder, e);
        }

        await foreach (var sample in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (!HasRoomFor(sample))
            {
                continue;
            }

            try
            {
                Write(sample);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _failed);
                LogWriteFailed(_logger, sample.PartId, e.Message);
            }
        }
    }

    /// <summary>
    /// Checks the filesystem before writing (statvfs): a sample that would leave less than the minimum free is not
    /// written, counted, and logged once per shortage. When room returns, samples are written again.
    /// </summary>
    private bool HasRoomFor(Sample sample)
    {
        if (_minFreeBytes == 0)
        {
            return true;
        }

        long free;
        try
        {
            free = new DriveInfo(Folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true;
        }

        if (free - sample.Jpeg.Length - 4096 >= _minFreeBytes)
        {
            if (_diskShortLogged)
            {
                _diskShortLogged = false;
                LogDiskBack(_logger, Folder, free);
            }

            return true;
        }

        Interlocked.Increment(ref _skippedForDisk);
        if (!_diskShortLogged)
        {
            _diskShortLogged = true;
            LogDiskShort(_logger, Folder, free, _minFreeBytes);
        }

        return false;
    }

    private void Write(Sample sample)
    {
        var stem = Stem(sample.PartId);
        var jpeg = Path.Combine(Folder, stem + ".jpg");
        var json = Path.Combine(Folder, stem + ".json");
        var sidecar = RecordJson.SerializeToUtf8(sample.Record with { SamplePath = stem + ".jpg" });
        try
        {
            WriteAtomically(jpeg, sample.Jpeg.Span);
            WriteAtomically(json, sidecar);
        }
        catch
        {
            TryDelete(jpeg);
            throw;
        }

        Interlocked.Increment(ref _written);
        Track(stem, sample.Jpeg.Length + (long)sidecar.Length);
        EnforceQuota();
    }

    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private void Track(string stem, long bytes)
    {
        _onDisk.Enqueue((stem, bytes));
        Interlocked.Add(ref _bytesOnDisk, bytes);
        Interlocked.Increment(ref _samplesOnDisk);
    }

    private void EnforceQuota()
    {
        while (Interlocked.Read(ref _bytesOnDisk) > _quotaBytes && _onDisk.TryDequeue(out var oldest))
        {
            TryDelete(Path.Combine(Folder, oldest.Stem + ".json"));
            TryDelete(Path.Combine(Folder, oldest.Stem + ".jpg"));
            Interlocked.Add(ref _bytesOnDisk, -oldest.Bytes);
            Interlocked.Decrement(ref _samplesOnDisk);
            Interlocked.Increment(ref _deleted);
        }
    }

    /// <summary>Samples from earlier runs count against the quota, oldest (by write time) first.</summary>
    private void ScanExisting()
    {
        foreach (var leftover in Directory.EnumerateFiles(Folder, "*.tmp"))
        {
            TryDelete(leftover);
        }

        var samples = new Dictionary<string, (DateTime Written, long Bytes)>(StringComparer.Ordinal);
        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles())
        {
            if (file.Extension is not (".jpg" or ".json"))
            {
                continue;
            }

            var stem = Path.GetFileNameWithoutExtension(file.Name);
            samples.TryGetValue(stem, out var known);
            samples[stem] = (file.LastWriteTimeUtc > known.Written ? file.LastWriteTimeUtc : known.Written, known.Bytes + file.Length);
        }

        foreach (var (stem, info) in samples.OrderBy(kv => kv.Value.Written).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Track(stem, info.Bytes);
        }

        EnforceQuota();
    }

    private static string Stem(string partId) => string.Create(partId.Length, partId, static (span, id) =>
    {
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_';
        }

        if (span.Length > 0 && span[0] == '.')
        {
            span[0] = '_';
        }
    });

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file that cannot be deleted now is found again by the next start's scan.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample {PartId} not saved: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string partId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Samples stop: {Folder} has {FreeBytes} bytes free, below samples:minFreeBytes {MinFreeBytes} (results keep the disk); they resume when space returns")]
    private static partial void LogDiskShort(ILogger logger, string folder, long freeBytes, long minFreeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Samples resume: {Folder} has {FreeBytes} bytes free")]
    private static partial void LogDiskBack(ILogger logger, string folder, long freeBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sample folder {Folder} cannot be used; samples will fail to save")]
    private static partial void LogFolderUnusable(ILogger logger, string folder, Exception exception);

    private readonly record struct Sample(string PartId, ReadOnlyMemory<byte> Jpeg, InspectionRecord Record);
}
