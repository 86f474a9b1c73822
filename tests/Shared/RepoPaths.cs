namespace EdgeInspect.Tests.Shared;

/// <summary>Locations inside the repository, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeInspect.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeInspect.sln not found above {AppContext.BaseDirectory}");
    });

    public static string Root => RootLazy.Value;

    public static string Models => Path.Combine(Root, "models");

    /// <summary>tests/data/phone-v1/{holdout,reference,dim,blur}: frames/*.jpg plus labels.csv.</summary>
    public static string PhoneSet(string name) => Path.Combine(Root, "tests", "data", "phone-v1", name);
}
