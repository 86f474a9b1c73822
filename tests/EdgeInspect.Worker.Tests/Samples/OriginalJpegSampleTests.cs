using System.Text.Json.Nodes;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Tests.Pipeline;

namespace EdgeInspect.Worker.Tests.Samples;

/// <summary>A saved sample is the camera's own JPEG, byte for byte (no re-encode); other formats are encoded.</summary>
public sealed class OriginalJpegSampleTests
{
    [Fact]
    public async Task A_Sample_Of_A_Jpeg_Frame_Is_The_Source_File_Byte_For_Byte()
    {
        using var work = new TempDirectory();
        var frames = Directory.CreateDirectory(work.File("frames")).FullName;
        var sources = Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), "*.jpg").Order(StringComparer.Ordinal).Take(6).ToArray();
        foreach (var file in sources)
        {
            File.Copy(file, Path.Combine(frames, Path.GetFileName(file)));
        }

        var samples = await RunWithEverySampledAsync(work, frames);

        Assert.Equal(sources.Length, samples.Length);
        var originals = sources.Select(File.ReadAllBytes).ToList();
        foreach (var sample in samples)
        {
            var bytes = File.ReadAllBytes(sample);
            Assert.Contains(originals, original => original.AsSpan().SequenceEqual(bytes));
        }
    }

    [Fact]
    public async Task A_Sample_Of_A_Png_Frame_Is_Encoded_As_A_Jpeg()
    {
        using var work = new TempDirectory();
        var frames = Directory.CreateDirectory(work.File("frames")).FullName;
        var jpeg = Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), "*.jpg").Order(StringComparer.Ordinal).First();
        var png = Path.Combine(frames, "00000.png");
        var image = CvImage.Read(jpeg);
        File.WriteAllBytes(png, Png(image.Width, image.Height, image.Stride, image.Buffer));

        var sample = Assert.Single(await RunWithEverySampledAsync(work, frames));

        var bytes = File.ReadAllBytes(sample);
        Assert.Equal([0xFF, 0xD8, 0xFF], bytes[..3]);
        Assert.NotEqual(File.ReadAllBytes(png), bytes);
    }

    /// <summary>An RGB PNG of BGR rows (filter 0, zlib), enough for OpenCV to read.</summary>
    private static byte[] Png(int width, int height, int stride, byte[] bgr)
    {
        var raw = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(raw, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[(width * 3) + 1];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    row[1 + (x * 3)] = bgr[(y * stride) + (x * 3) + 2];
                    row[2 + (x * 3)] = bgr[(y * stride) + (x * 3) + 1];
                    row[3 + (x * 3)] = bgr[(y * stride) + (x * 3)];
                }

                z.Write(row);
            }
        }

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 2;
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var bytes = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, bytes);
        data.CopyTo(bytes, 4);
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        png.Write(bytes);
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        var tail = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(tail, ~crc);
        png.Write(tail);
    }

    private static async Task<string[]> RunWithEverySampledAsync(TempDirectory work, string frames)
    {
        var config = StationHarness.Config("live", auditFraction: 0, frames: frames);
        config["samples"] = new JsonObject { ["folder"] = work.File("samples"), ["randomFraction"] = 1.0, ["saveDisagreements"] = false, ["saveUncertain"] = false };
        await using (var station = StationHarness.Create(config))
        {
            await station.Runtime.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
        }

        // Disposing the station disposed the sample writer, which writes everything queued first.
        return Directory.GetFiles(work.File("samples"), "*.jpg");
    }
}
