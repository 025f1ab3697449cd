using System.Runtime.CompilerServices;

namespace Milter.Generators.Tests.Support;

/// <summary>
/// Compares generated code with a checked-in baseline: Snapshots/&lt;TestClass&gt;/&lt;Test&gt;/&lt;Hint&gt;.verified.cs.
/// On a mismatch it writes a .received.cs beside it (git-ignored) and fails; set MILTER_ACCEPT_SNAPSHOTS=1 to accept.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string hintName, string testClass, [CallerMemberName] string test = "", [CallerFilePath] string callerFile = "")
    {
        var root = FindProjectDirectory(callerFile);
        var directory = Path.Combine(root, "Snapshots", testClass, test);
        var name = hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("MILTER_ACCEPT_SNAPSHOTS") == "1" && Environment.GetEnvironmentVariable("CI") is null)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot yet: review {received} and accept it (rename to .verified.cs, or run with MILTER_ACCEPT_SNAPSHOTS=1)."
            : $"Generated code differs from {verified}; see {received}. Accept with MILTER_ACCEPT_SNAPSHOTS=1 if the change is intended.");
    }

    private static string FindProjectDirectory(string callerFile)
    {
        var directory = Path.GetDirectoryName(callerFile);
        while (directory is not null && !File.Exists(Path.Combine(directory, "Milter.Generators.Tests.csproj")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("The test project folder was not found from " + callerFile);
    }
}
