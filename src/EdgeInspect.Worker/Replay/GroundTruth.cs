using System.Globalization;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Worker.Replay;

/// <summary>The true label of one frame: its class name and what an ideal inspector would press.</summary>
public readonly record struct LabelledFrame(string File, string ClassName, Verdict Verdict);

/// <summary>
/// Ground truth for replayed sources (an image folder or a video built from one), in frame order. The scripted
/// inspector answers from it, and replay reports score the model against it.
/// </summary>
/// <remarks>
/// Frame <c>seq</c> n (from 1) is the label at index (n − 1) mod count, so a looping source keeps its labels.
/// A source that skips a corrupt frame shifts every later label by one; replay sources are clean files.
/// </remarks>
public sealed class GroundTruth
{
    private readonly LabelledFrame[] _frames;

    public GroundTruth(IReadOnlyList<LabelledFrame> frames, string okClass = "ok")
    {
        if (frames.Count == 0)
        {
            throw new ArgumentException("ground truth needs at least one labelled frame", nameof(frames));
        }

        _frames = [.. frames];
        OkClass = okClass;
    }

    public string OkClass { get; }

    public int Count => _frames.Length;

    public IReadOnlyList<LabelledFrame> Frames => _frames;

    public LabelledFrame ForSeq(long seq) => _frames[(int)((seq - 1) % _frames.Length)];

    /// <summary>
    /// Reads a labels.csv with a header naming at least <c>file</c> and <c>class_name</c> (the phone-v1 format:
    /// file,label,class_name,...), ordered by file name as an image folder is read.
    /// </summary>
    /// <exception cref="FormatException">A missing column or an empty file, with the file and line named.</exception>
    public static GroundTruth ReadCsv(string path, string okClass = "ok")
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2)
        {
            throw new FormatException($"{path}: no labelled rows (expected a header 'file,...,class_name,...' and one row per frame)");
        }

        var header = lines[0].Split(',');
        var fileColumn = Array.IndexOf(header, "file");
        var classColumn = Array.IndexOf(header, "class_name");
        if (fileColumn < 0 || classColumn < 0)
        {
            throw new FormatException($"{path}: header '{lines[0]}' lacks 'file' or 'class_name'");
        }

        var frames = new List<LabelledFrame>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var cells = lines[i].Split(',');
            if (cells.Length <= Math.Max(fileColumn, classColumn))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{i + 1}: expected {header.Length} columns, found {cells.Length}"));
            }

            var className = cells[classColumn].Trim();
            frames.Add(new LabelledFrame(cells[fileColumn].Trim(), className, className == okClass ? Verdict.Pass : Verdict.Fail));
        }

        frames.Sort((a, b) => string.CompareOrdinal(Path.GetFileName(a.File), Path.GetFileName(b.File)));
        return new GroundTruth(frames, okClass);
    }
}
