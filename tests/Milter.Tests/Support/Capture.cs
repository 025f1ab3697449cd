using Milter.Client;

namespace Milter.Tests.Support;

/// <summary>The shared captures (real conversations between Postfix 3.7 or Sendmail 8.17 and libmilter milters), copied next to the tests.</summary>
internal static class Capture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Captures");

    public static IEnumerable<string> FileNames => System.IO.Directory.GetFiles(Directory, "*.txt").Select(Path.GetFileName).Order()!;

    public static MilterCapture Load(string fileName) => MilterCapture.Load(Path.Combine(Directory, fileName));
}
