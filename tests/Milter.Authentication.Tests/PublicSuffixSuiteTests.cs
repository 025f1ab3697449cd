using System.Text.RegularExpressions;

namespace Milter.Authentication.Tests;

/// <summary>
/// publicsuffix.org's own test_psl.txt (public domain), as Debian's publicsuffix package ships it, against the list of
/// the same package: every checkPublicSuffix(domain, registrable) line, the IDN ones in both spellings.
/// </summary>
public partial class PublicSuffixSuiteTests(ITestOutputHelper output)
{
    private const string Suite = "/usr/share/doc/publicsuffix/examples/test_psl.txt";

    [Fact]
    public void Every_check_of_test_psl_gives_its_registrable_domain()
    {
        if (!File.Exists(Suite) || !File.Exists(PublicSuffixList.DebianPath))
            Assert.Skip("Debian's publicsuffix package is not installed (apt-get install publicsuffix)");
        var list = PublicSuffixList.Load();
        var failures = new List<string>();
        var count = 0;
        foreach (Match check in Check().Matches(File.ReadAllText(Suite)))
        {
            count++;
            var domain = Argument(check.Groups["domain"].Value);
            var expected = Argument(check.Groups["expected"].Value);
            // The suite answers in the spelling it asked in; we answer in A-labels.
            var actual = list.RegistrableDomain(domain);
            if (actual != DomainName.ToAscii(expected))
                failures.Add($"{check.Value}: {actual ?? "null"}");
        }

        output.WriteLine($"{count - failures.Count}/{count} checks of test_psl.txt pass");
        // Every active line was read (the regex missed none).
        Assert.Equal(File.ReadLines(Suite).Count(line => line.StartsWith("checkPublicSuffix(", StringComparison.Ordinal)), count);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string? Argument(string text) => text == "null" ? null : text.Trim('\'');

    // Commented-out lines ("//checkPublicSuffix(...)") are not checks.
    [GeneratedRegex(@"^checkPublicSuffix\((?<domain>null|'[^']*'), (?<expected>null|'[^']*')\);", RegexOptions.Multiline)]
    private static partial Regex Check();
}
