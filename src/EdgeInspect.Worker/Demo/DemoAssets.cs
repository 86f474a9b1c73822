using System.Globalization;
using System.Text;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Demo;

/// <summary>
/// What the demo runs on: the reference model package and the repository's labelled sample frames, made into a
/// video of the line where the factory lights dim part way through and come back later.
/// </summary>
public sealed record DemoAssets(string RepositoryRoot, string ModelPackage, string ModelsFolder, string Frames, string Labels)
{
    /// <summary>Finds the checkout the executable was built from (or runs in), walking up to EdgeInspect.sln.</summary>
    /// <exception cref="FileNotFoundException">Not inside a checkout: says what the demo needs.</exception>
    public static DemoAssets Locate()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeInspect.sln")))
                {
                    var root = dir.FullName;
                    var holdout = Path.Combine(root, "tests", "data", "phone-v1", "holdout");
                    return new DemoAssets(root, Path.Combine(root, "models", "reference"), Path.Combine(root, "models"),
                        Path.Combine(holdout, "frames"), Path.Combine(holdout, "labels.csv"));
                }
            }
        }

        throw new FileNotFoundException("The demo runs from the EdgeInspect repository: it needs models/reference and tests/data/phone-v1/holdout. Run it as `bash scripts/demo.sh` from the checkout.");
    }

    /// <summary>
    /// Writes the line video (MJPG .avi) and its labels.csv in frame order: the sample frames <paramref name="passes"/>
    /// times in normal light, then as many times with the light at <paramref name="dimTo"/> of its brightness, then
    /// normal again. Returns the video path, the labels path and the frame index where the light dims and returns.
    /// </summary>
    public (string Video, string Labels, int DimFrom, int DimUntil) WriteLineVideo(string folder, int passes, double dimTo)
    {
        var rows = File.ReadAllLines(Labels);
        var header = rows[0];
        var byFile = rows.Skip(1).Where(r => r.Length > 0).ToDictionary(r => Path.GetFileName(r.Split(',')[0]), StringComparer.Ordinal);
        var files = Directory.GetFiles(Frames, "*.jpg").OrderBy(Path.GetFileName, StringComparer.Ordinal).ToArray();
        var frames = files.Select(CvImage.Read).ToArray();
        var dimmed = frames.Select(f => Scale(f, dimTo)).ToArray();

        var video = Path.Combine(folder, "line.avi");
        var labels = new StringBuilder(header).Append('\n');
        var index = 0;
        using (var writer = CvVideoWriter.Open(video, "MJPG", 10, frames[0].Width, frames[0].Height))
        {
            foreach (var (set, pass) in new[] { (frames, 0), (dimmed, 1), (frames, 2) }.SelectMany(s => Enumerable.Repeat(s, passes)))
            {
                for (var i = 0; i < set.Length; i++)
                {
                    writer.Write(set[i]);
                    var row = byFile[Path.GetFileName(files[i])].Split(',');
                    row[0] = string.Create(CultureInfo.InvariantCulture, $"frames/{index:D5}{(pass == 1 ? "-dim" : "")}.jpg");
                    labels.Append(string.Join(',', row)).Append('\n');
                    index++;
                }
            }
        }

        var labelsPath = Path.Combine(folder, "labels.csv");
        File.WriteAllText(labelsPath, labels.ToString());
        return (video, labelsPath, frames.Length * passes, frames.Length * passes * 2);
    }

    private static Frame Scale(Frame source, double gain)
    {
        var scaled = Frame.CreateUnpooled(source.Width, source.Height);
        var from = source.Pixels;
        var to = scaled.Pixels;
        for (var i = 0; i < from.Length; i++)
        {
            to[i] = (byte)Math.Min(255, (int)Math.Round(from[i] * gain));
        }

        return scaled;
    }
}
