using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.Tests.Fuzzing;

/// <summary>What fuzzing the labels CSV found (docs/reliability.md), each as the smallest input that showed it.</summary>
public sealed class GroundTruthFindingsTests : IDisposable
{
    private readonly TempDirectory _dir = new("edgeinspect-labels");

    private string Write(string text)
    {
        var path = _dir.File("labels.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_Quoted_File_Name_With_A_Comma_Keeps_Its_Row_Together()
    {
        var truth = GroundTruth.ReadCsv(Write("file,label,class_name\n\"frames/a,b.jpg\",1,scratch\n"));

        var frame = Assert.Single(truth.Frames);
        Assert.Equal("frames/a,b.jpg", frame.File);
        Assert.Equal("scratch", frame.ClassName);
    }

    [Fact]
    public void A_Quoted_Cell_May_Hold_A_Doubled_Quote_And_A_Line_Break()
    {
        var truth = GroundTruth.ReadCsv(Write("file,class_name,note\r\nframes/1.jpg,ok,\"said \"\"fine\"\"\r\non two lines\"\r\nframes/2.jpg,pit,x\r\n"));

        Assert.Equal(["ok", "pit"], truth.Frames.Select(f => f.ClassName));
    }

    [Fact]
    public void A_Header_Followed_Only_By_Blank_Lines_Is_Refused_As_A_Format_Problem()
    {
        var path = Write("file,class_name\n\n  \n");

        var e = Assert.Throws<FormatException>(() => GroundTruth.ReadCsv(path));
        Assert.Contains("no labelled rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Class_Name_With_A_Control_Character_Is_Refused_Naming_Its_Line()
    {
        var path = Write("file,class_name\nframes/0.jpg,ok\nframes/3.jpg,\u001Bk\n");

        var e = Assert.Throws<FormatException>(() => GroundTruth.ReadCsv(path));
        Assert.Contains($"{path}:3", e.Message, StringComparison.Ordinal);
        Assert.Contains("class_name contains a control character (U+001B)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u200b")]
    [InlineData(" ")]
    [InlineData("")]
    public void A_Blank_File_Name_Is_Refused_Naming_Its_Line(string file)
    {
        var path = Write($"file,class_name,seed\n{file},ok,1\n");

        var e = Assert.Throws<FormatException>(() => GroundTruth.ReadCsv(path));
        Assert.Contains($"{path}:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("file is", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Quote_That_Is_Never_Closed_Is_Refused_Naming_Its_Line()
    {
        var path = Write("file,class_name\nframes/0.jpg,ok\n\"frames/1.jpg,pit\n");

        var e = Assert.Throws<FormatException>(() => GroundTruth.ReadCsv(path));
        Assert.Contains($"{path}:3", e.Message, StringComparison.Ordinal);
        Assert.Contains("quote", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Frame_Labelled_Twice_Is_Refused_Naming_Both_Lines()
    {
        var path = Write("file,class_name\nframes/0.jpg,ok\nframes/0.jpg,pit\n");

        var e = Assert.Throws<FormatException>(() => GroundTruth.ReadCsv(path));
        Assert.Contains("lines 2 and 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Quoted_Header_With_Spaces_Is_Still_Found()
    {
        var truth = GroundTruth.ReadCsv(Write("\"file\", \"class_name\" ,seed\nframes/0.jpg,ok,1\n"));

        Assert.Equal("ok", Assert.Single(truth.Frames).ClassName);
    }

    public void Dispose() => _dir.Dispose();
}
