using System.Globalization;
using EdgeInspect.Core;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Worker.Pipeline;

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
    /// file,label,class_name,...), ordered by file name as an image folder is read. Fields follow RFC 4180: a field in
    /// double quotes may hold commas, line breaks and doubled quotes; LF, CRLF and CR all end a record; blank records
    /// are skipped; cells are trimmed.
    /// </summary>
    /// <exception cref="FormatException">A missing column, an empty file, an unclosed quote, a blank or unreadable file or
    /// class name (see <see cref="Names"/>), or a frame labelled twice, with the file and line named.</exception>
    public static GroundTruth ReadCsv(string path, string okClass = "ok")
    {
        var records = ReadRecords(path, File.ReadAllText(path));
        if (records.Count < 2)
        {
            throw new FormatException($"{path}: no labelled rows (expected a header 'file,...,class_name,...' and one row per frame)");
        }

        var header = records[0].Cells;
        var fileColumn = header.FindIndex(h => h.Equals("file", StringComparison.OrdinalIgnoreCase));
        var classColumn = header.FindIndex(h => h.Equals("class_name", StringComparison.OrdinalIgnoreCase));
        if (fileColumn < 0 || classColumn < 0)
        {
            throw new FormatException($"{path}: header '{string.Join(",", header)}' lacks 'file' or 'class_name'");
        }

        var frames = new List<LabelledFrame>(records.Count - 1);
        var lineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, cells) in records.Skip(1))
        {
            if (cells.Count <= Math.Max(fileColumn, classColumn))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: expected {header.Count} columns, found {cells.Count}"));
            }

            var file = cells[fileColumn];
            var className = cells[classColumn];
            foreach (var (name, value) in new[] { ("file", file), ("class_name", className) })
            {
                if (Names.Problem(value) is { } problem)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: {name} {problem}"));
                }
            }

            // Two labels for one frame would shift every later label onto the wrong frame.
            if (!lineOf.TryAdd(file, line))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: '{file}' is labelled twice (lines {lineOf[file]} and {line})"));
            }

            frames.Add(new LabelledFrame(file, className, className == okClass ? Verdict.Pass : Verdict.Fail));
        }

        if (frames.Count == 0)
        {
            throw new FormatException($"{path}: no labelled rows (expected a header 'file,...,class_name,...' and one row per frame)");
        }

        frames.Sort((a, b) => string.CompareOrdinal(Path.GetFileName(a.File), Path.GetFileName(b.File)));
        return new GroundTruth(frames, okClass);
    }

    /// <summary>The non-blank records of a CSV text with the line each starts on, cells trimmed.</summary>
    private static List<(int Line, List<string> Cells)> ReadRecords(string path, string text)
    {
        var records = new List<(int Line, List<string> Cells)>();
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var quoteLine = 0;
        var i = 0;

        void EndCell()
        {
            cells.Add(cell.ToString().Trim());
            cell.Clear();
        }

        void EndRecord()
        {
            EndCell();
            if (cells.Count > 1 || cells[0].Length > 0)
            {
                records.Add((recordLine, cells));
            }

            cells = [];
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i += 2;
                    continue;
                }

                if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' || (c == '\r' && !(i + 1 < text.Length && text[i + 1] == '\n')) ? 1 : 0;
                    cell.Append(c);
                }

                i++;
                continue;
            }

            switch (c)
            {
                case '"' when cell.ToString().Trim().Length == 0:
                    // A quoted field; spaces before the opening quote are dropped.
                    cell.Clear();
                    quoted = true;
                    quoteLine = line;
                    break;
                case ',':
                    EndCell();
                    break;
                case '\r' or '\n':
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }

                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    cell.Append(c);
                    break;
            }

            i++;
        }

        if (quoted)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}:{quoteLine}: a quote opened on this line is never closed"));
        }

        EndRecord();
        return records;
    }
}
