using System.Text;
using CsCheck;
using EdgeInspect.Core;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.Tests.Fuzzing;

/// <summary>
/// Fuzzes <see cref="GroundTruth.ReadCsv"/>. Two generators: a CSV written from a known list of labels, with RFC 4180
/// quoting, odd line endings, a BOM, blank lines, huge and blank cells (the oracle says exactly what must come back or
/// that it must be refused); and the repository's holdout labels.csv hit by raw byte edits. Property: a
/// <see cref="FormatException"/> naming the file, or the labels exactly as written.
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class GroundTruthFuzzTests : IDisposable
{
    private readonly TempDirectory _dir = new("edgeinspect-labels-fuzz");

    /// <summary>A labelled row as the generator means it, and how it is written.</summary>
    public sealed record Row(string File, string ClassName, string Extra);

    /// <summary>A whole CSV: the header's column order and spelling, the rows and how they are written.</summary>
    public sealed record Csv(string[] Header, Row[] Rows, string NewLine, bool Bom, bool QuoteAll, int BlankLines, bool TrailingNewLine)
    {
        public string Text()
        {
            var text = new StringBuilder();
            if (Bom)
            {
                text.Append('\uFEFF');
            }

            text.Append(string.Join(',', Header.Select(Field))).Append(NewLine);
            for (var i = 0; i < Rows.Length; i++)
            {
                var row = Rows[i];
                text.Append(string.Join(',', Header.Select(h => Field(h switch { "file" => row.File, "class_name" => row.ClassName, _ => row.Extra }))));
                if (i < Rows.Length - 1 || TrailingNewLine)
                {
                    text.Append(NewLine);
                }

                if (i == 0)
                {
                    text.Insert(text.Length, NewLine, BlankLines);
                }
            }

            return text.ToString();
        }

        private string Field(string value) =>
            QuoteAll || value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static readonly Gen<string> Cell = Gen.Frequency<string>(
        (36, Gen.String[Gen.Char.AlphaNumeric, 1, 12]),
        (3, Gen.OneOf("", " ", "\t", "\u200b", "\uFEFF", "a,b", "say \"hi\"", "two\nlines", "cr\rlf", "a\u0000b", "\ud83d\ude00", " padded ")),
        (1, Gen.Int[10, 18].Select(n => new string('x', 1 << n))));

    private static readonly Gen<Csv> Csvs =
        Gen.Select(
            Gen.Shuffle(new[] { "file", "label", "class_name", "seed" }),
            Gen.Select(Cell, Cell, Cell, (f, c, e) => new Row(f, c, e)).Array[0, 12],
            Gen.OneOf("\n", "\r\n", "\r"),
            Gen.Bool,
            Gen.Frequency<bool>((4, Gen.Const(false)), (1, Gen.Const(true))),
            Gen.Frequency<int>((4, Gen.Const(0)), (1, Gen.Int[1, 3])),
            Gen.Bool,
            (header, rows, newLine, bom, quoteAll, blank, trailing) =>
                new Csv(header, rows.Select((r, i) => r with { File = r.File.Length > 0 && Names.IsValid(r.File.Trim()) ? $"frames/{i:00000}-{r.File}" : r.File }).ToArray(),
                    newLine, bom, quoteAll, blank, trailing));

    [Fact(Timeout = 300_000)]
    public async Task A_Labels_File_Reads_Back_Exactly_As_Written_Or_Is_Refused_With_A_Reason()
    {
        long read = 0, refused = 0;
        var total = await FuzzRun.CheckAsync(
            Csvs,
            csv =>
            {
                var path = _dir.File($"labels-{Environment.CurrentManagedThreadId}.csv");
                File.WriteAllText(path, csv.Text(), new UTF8Encoding(false));
                var usable = csv.Rows.Length > 0 && csv.Rows.All(r => Names.IsValid(r.File.Trim()) && Names.IsValid(r.ClassName.Trim()));
                GroundTruth truth;
                try
                {
                    truth = GroundTruth.ReadCsv(path, "ok");
                }
                catch (FormatException e) when (!usable)
                {
                    Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
                    Interlocked.Increment(ref refused);
                    return;
                }

                Assert.True(usable, "rows with a blank file or class were accepted");
                var expected = csv.Rows.Select(r => (File: r.File.Trim(), ClassName: r.ClassName.Trim())).OrderBy(r => Path.GetFileName(r.File), StringComparer.Ordinal).ToArray();
                Assert.Equal(expected, truth.Frames.Select(f => (f.File, f.ClassName)).ToArray());
                Assert.All(truth.Frames, f => Assert.Equal(f.ClassName == "ok" ? Verdict.Pass : Verdict.Fail, f.Verdict));
                Interlocked.Increment(ref read);
            },
            print: c => JsonMutator.Quote(c.Text().Length > 2000 ? c.Text()[..2000] + "…" : c.Text()));

        FuzzRun.Reached("read", read, total, 0.05);
        FuzzRun.Reached("refused", refused, total, 0.05);
    }

    [Fact(Timeout = 300_000)]
    public async Task The_Holdout_Labels_With_Flipped_Bytes_Read_Or_Are_Refused_With_A_Reason()
    {
        var seed = File.ReadAllBytes(Path.Combine(RepoPaths.PhoneSet("holdout"), "labels.csv"))[..600];
        var edits = Gen.Select(Gen.Int[0, 3], Gen.Double[0, 1], Gen.Byte.Array[1, 4], (kind, at, b) => (Kind: kind, At: at, Bytes: b)).Array[0, 6];
        await FuzzRun.CheckAsync(
            edits.Select(list =>
            {
                var bytes = seed.ToList();
                foreach (var (kind, at, b) in list)
                {
                    var i = (int)(at * bytes.Count);
                    switch (kind)
                    {
                        case 0 when i < bytes.Count: bytes[i] = b[0]; break;
                        case 1: bytes.InsertRange(i, b); break;
                        case 2 when i < bytes.Count: bytes.RemoveRange(i, Math.Min(b.Length, bytes.Count - i)); break;
                        case 3: bytes.RemoveRange(i, bytes.Count - i); break;
                    }
                }

                return bytes.ToArray();
            }),
            bytes =>
            {
                var path = _dir.File($"raw-{Environment.CurrentManagedThreadId}.csv");
                File.WriteAllBytes(path, bytes);
                try
                {
                    var truth = GroundTruth.ReadCsv(path, "ok");
                    Assert.True(truth.Count > 0);
                    Assert.All(truth.Frames, f => Assert.True(Names.IsValid(f.File) && Names.IsValid(f.ClassName), $"row {JsonMutator.Quote(f.File)},{JsonMutator.Quote(f.ClassName)} accepted"));
                    _ = truth.ForSeq(1);
                    _ = truth.ForSeq(truth.Count + 1);
                }
                catch (FormatException e)
                {
                    Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
                }
            },
            print: b => JsonMutator.Quote(Encoding.UTF8.GetString(b)));
    }

    public void Dispose() => _dir.Dispose();
}
