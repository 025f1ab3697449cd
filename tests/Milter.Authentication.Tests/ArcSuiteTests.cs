using System.Text.Json;

namespace Milter.Authentication.Tests;

/// <summary>
/// ValiMail's ARC test suites (checked in under ArcSuite/ with their MIT licence, read with Debian's python3-yaml):
/// every validation test must give the suite's cv.
/// </summary>
public class ArcSuiteTests(ITestOutputHelper output)
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "ArcSuite");

    [Fact]
    public async Task Every_validation_test_gives_the_suites_chain_result()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var scenario in Scenarios("arc-draft-validation-tests.yml").RootElement.EnumerateArray())
        {
            var dns = Dns(scenario.GetProperty("txt-records"));
            foreach (var test in scenario.GetProperty("tests").EnumerateObject())
            {
                count++;
                var expected = Differences.TryGetValue(test.Name, out var ours) ? ours : test.Value.GetProperty("cv").GetString()!.Trim().ToLowerInvariant();
                var result = await VerifyAsync(test.Value.GetProperty("message").GetString()!, dns);
                if (result.Result.ToKeyword() != expected)
                    failures.Add($"{test.Name}: {result.Result.ToKeyword()} ({result.Reason}), the suite says {expected}: {test.Value.GetProperty("description").GetString()}");
            }
        }

        output.WriteLine($"{count - failures.Count}/{count} validation tests give the suite's cv or the argued difference ({Differences.Count})");
        Assert.Equal(171, count);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    // Where we answer otherwise than the suite, each argued in docs/authentication.md ("ARC: the suites"). The suite
    // gives no cv for a chain whose newest seal says cv=fail; RFC 8617 5.2 step 2 says the chain is then "fail". The
    // AMS without c= was signed relaxed/relaxed; RFC 8617 4.1.2 gives the AMS DKIM's semantics, where the default is
    // simple/simple (RFC 6376 3.5), under which it does not verify.
    private static readonly Dictionary<string, string> Differences = new(StringComparer.Ordinal)
    {
        ["cv_fail_i1_as_cv_fail"] = "fail",
        ["cv_fail_i2_as2_fail"] = "fail",
        ["cv_fail_i2_as1_fail"] = "fail",
        ["ams_fields_c_na"] = "fail",
    };

    // An empty message has no header MimeKit could parse, so no ARC set: none, as the suite says (cv_empty).
    private static async Task<ArcResult> VerifyAsync(string message, FakeDns dns) =>
        string.IsNullOrWhiteSpace(message) ? new ArcResult(AuthResult.None, 0, null) : await new ArcVerification().VerifyAsync(Messages.Parse(Wire(message)), dns);

    internal static JsonDocument Scenarios(string file)
    {
        DebianPython.Require("yaml", "python3-yaml");
        return JsonDocument.Parse(DebianPython.Output(ToJson, Path.Combine(Directory, file)));
    }

    internal static FakeDns Dns(JsonElement records)
    {
        var dns = new FakeDns();
        foreach (var record in records.ValueKind == JsonValueKind.Object ? records.EnumerateObject() : default)
            dns.Txt(record.Name, record.Value.GetString()!.Replace("\n", "", StringComparison.Ordinal));
        return dns;
    }

    // The suite writes messages with LF line ends; on the wire they are CRLF.
    internal static string Wire(string message) => message.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private const string ToJson = """
        import json, sys, yaml
        with open(sys.stdin.read(), encoding="utf-8") as suite:
            print(json.dumps(list(yaml.safe_load_all(suite))))
        """;
}
