namespace Milter.IntegrationTests.Support;

/// <summary>Where this repository's checkout is: the folder above the test output that holds Milter.sln.</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            var directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Milter.sln")))
                directory = Path.GetDirectoryName(directory);
            return directory ?? throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
