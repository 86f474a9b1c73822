namespace EdgeInspect.Tests.Shared;

/// <summary>File helpers tests share.</summary>
internal static class TestFiles
{
    /// <summary>Copies a folder and everything below it (a model package, say) to <paramref name="to"/>.</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
