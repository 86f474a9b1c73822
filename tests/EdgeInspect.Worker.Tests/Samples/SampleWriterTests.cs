using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline.Sampling;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Tests.Samples;

public sealed class SampleWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new("samples");

    public void Dispose() => _dir.Dispose();

    private static InspectionRecord Record(string partId)
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        return new InspectionRecord(
            "ei-1", 1795337400123, 1, now, new StationRef("s", "a", "l", "n"), partId,
            CameraRecord.From("cam0", CameraSettings.Unknown), new FrameRecord(1, FrameTrigger.FreeRun, 0, now, now, 1),
            new ModelRef("m", "1", "00"), "shadow", "r1", null, null,
            new OutcomeRecord(FinalDecision.Pass, DecidedBy.Human, Actuation.Accept, false, false));
    }

    private SampleWriter Writer(long quotaBytes = 1 << 20, int capacity = 16) =>
        new(_dir.Path, quotaBytes, capacity, NullLogger<SampleWriter>.Instance);

    [Fact]
    public async Task A_Sample_Is_A_Jpeg_And_A_Json_Sidecar_Holding_Its_Record()
    {
        var jpeg = new byte[] { 0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9 };
        await using (var writer = Writer())
        {
            Assert.True(writer.TryEnqueue("n-1795337400123-7", jpeg, Record("n-1795337400123-7")));
        }

        Assert.Equal(jpeg, File.ReadAllBytes(_dir.File("n-1795337400123-7.jpg")));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(_dir.File("n-1795337400123-7.json")));
        Assert.Equal("n-1795337400123-7", sidecar.RootElement.GetProperty("partId").GetString());
        Assert.Equal(SampleWriter.RelativePathFor("n-1795337400123-7"), sidecar.RootElement.GetProperty("samplePath").GetString());
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public async Task Beyond_The_Quota_The_Oldest_Samples_Are_Deleted_First()
    {
        var jpeg = new byte[10_000];
        SampleWriterCounters counters;
        await using (var writer = Writer(quotaBytes: 35_000))
        {
            for (var i = 1; i <= 6; i++)
            {
                writer.TryEnqueue($"p-{i}", jpeg, Record($"p-{i}"));
            }

            await writer.DisposeAsync();
            counters = writer.Counters;
        }

        Assert.Equal(["p-4.jpg", "p-5.jpg", "p-6.jpg"], Directory.GetFiles(_dir.Path, "*.jpg").Select(Path.GetFileName).Order());
        Assert.Equal(3, Directory.GetFiles(_dir.Path, "*.json").Length);
        Assert.Equal((6L, 3L, 3), (counters.Written, counters.DeletedForQuota, counters.SamplesOnDisk));
        Assert.InRange(counters.BytesOnDisk, 30_000, 35_000);
    }

    [Fact]
    public async Task Samples_Left_By_An_Earlier_Run_Count_Against_The_Quota()
    {
        File.WriteAllBytes(_dir.File("old-1.jpg"), new byte[20_000]);
        File.WriteAllText(_dir.File("old-1.json"), "{}");
        File.SetLastWriteTimeUtc(_dir.File("old-1.jpg"), DateTime.UtcNow.AddDays(-1));
        File.SetLastWriteTimeUtc(_dir.File("old-1.json"), DateTime.UtcNow.AddDays(-1));
        File.WriteAllBytes(_dir.File("stale.jpg.tmp"), new byte[5]);

        await using (var writer = Writer(quotaBytes: 25_000))
        {
            writer.TryEnqueue("p-new", new byte[10_000], Record("p-new"));
        }

        Assert.False(File.Exists(_dir.File("old-1.jpg")));
        Assert.False(File.Exists(_dir.File("stale.jpg.tmp")));
        Assert.True(File.Exists(_dir.File("p-new.jpg")));
    }

    [Fact]
    public async Task Enqueueing_Never_Blocks_A_Full_Queue_Drops_The_Oldest_And_Counts_It()
    {
        var jpeg = new byte[64];
        SampleWriterCounters counters;
        var writer = Writer(capacity: 2);
        try
        {
            for (var i = 0; i < 5000; i++)
            {
                Assert.True(writer.TryEnqueue($"p-{i}", jpeg, Record($"p-{i}")));
            }
        }
        finally
        {
            await writer.DisposeAsync();
            counters = writer.Counters;
        }

        Assert.Equal(5000, counters.Enqueued);
        Assert.True(counters.Dropped > 0, "5,000 samples into a queue of 2 should have dropped some");
        Assert.Equal(5000, counters.Written + counters.Dropped + counters.Failed);
        Assert.True(File.Exists(_dir.File("p-4999.jpg")), "the newest sample must survive: drops take the oldest");
    }

    [Fact]
    public async Task An_Unwritable_Folder_Is_Counted_As_Failures_And_Never_Throws_Into_The_Caller()
    {
        var blocker = _dir.File("not-a-folder");
        File.WriteAllText(blocker, "a file where the sample folder should be");
        var writer = new SampleWriter(blocker, 1 << 20, 8, NullLogger<SampleWriter>.Instance);

        Assert.True(writer.TryEnqueue("p-1", new byte[10], Record("p-1")));
        await writer.DisposeAsync();

        Assert.Equal((0L, 1L), (writer.Counters.Written, writer.Counters.Failed));
        Assert.False(writer.TryEnqueue("p-2", new byte[10], Record("p-2")));
    }

    [Fact]
    public void Part_Ids_Become_Safe_File_Names()
    {
        Assert.Equal("a_b_c-1.jpg", SampleWriter.RelativePathFor("a/b c-1"));
        Assert.Equal("_._x.jpg", SampleWriter.RelativePathFor("../x"));
    }
}
