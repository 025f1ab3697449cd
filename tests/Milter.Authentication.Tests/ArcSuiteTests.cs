using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>
/// ValiMail's ARC test suites (checked in under ArcSuite/ with their MIT licence, read with Debian's python3-yaml):
/// every validation test must give the suite's cv, and every signing test must seal as the suite does, the seals
/// validating here and in Debian's python3-dkim (dkimpy).
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

    [Fact]
    public async Task Every_signing_test_seals_as_the_suite_and_the_seal_validates_here_and_in_dkimpy()
    {
        DebianPython.Require("dkim", "python3-dkim");
        var failures = new List<string>();
        var sealedMessages = new List<(string Name, string Message, Dictionary<string, string> Records, string Cv)>();
        var count = 0;
        foreach (var scenario in Scenarios("arc-draft-sign-tests.yml").RootElement.EnumerateArray())
        {
            var dns = Dns(scenario.GetProperty("txt-records"));
            var key = DkimSigningKey.Parse(scenario.GetProperty("domain").GetString()!, scenario.GetProperty("sel").GetString()!, scenario.GetProperty("privatekey").GetString()!);
            var records = scenario.GetProperty("txt-records").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetString()!.Replace("\n", "", StringComparison.Ordinal));
            foreach (var test in scenario.GetProperty("tests").EnumerateObject())
            {
                count++;
                var (message, problem, cv) = await SealAsync(test.Value, key, dns);
                if (problem is not null)
                    failures.Add($"{test.Name}: {problem}");
                else if (message is not null)
                    sealedMessages.Add((test.Name, message, records, cv!));
            }
        }

        // dkimpy validates each sealed message: pass; for a seal that says cv=fail it gives no status (as the suite's
        // validation tests do), where we say fail (RFC 8617 5.2 step 2).
        var input = JsonSerializer.Serialize(sealedMessages.Select(m => new { message = m.Message, records = m.Records }));
        var results = JsonSerializer.Deserialize<List<string>>(DebianPython.Output(DkimpyArcVerify, input))!;
        for (var i = 0; i < sealedMessages.Count; i++)
        {
            var expected = sealedMessages[i].Cv == "fail" ? "" : "pass";
            if (results[i] != expected)
                failures.Add($"{sealedMessages[i].Name}: dkimpy says {results[i]} of our seal, not {expected}");
        }

        output.WriteLine($"{count - failures.Count}/{count} signing tests seal as the suite; {sealedMessages.Count} seals checked by dkimpy");
        Assert.Equal(17, count);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    // Seals the test's message as the suite asks (its key, time, headers, relaxed/relaxed) after validating its chain
    // here; compares what is deterministic: whether a set is added, cv=, the body hash, the signed headers. b= differs:
    // the suite writes its tags in alphabetical order, MimeKit in its own, and RFC 6376 3.2 lets the order be any.
    // AAR differs: ours says what this host found (arc=), where the suite copies the message's Authentication-Results.
    private static async Task<(string? Message, string? Problem, string? Cv)> SealAsync(JsonElement test, DkimSigningKey key, FakeDns dns)
    {
        var message = Messages.Parse(Wire(test.GetProperty("message").GetString()!));
        var options = new DkimSigningOptions();
        options.SetCanonicalization("relaxed/relaxed");
        options.SignedHeaders.Clear();
        foreach (var name in test.GetProperty("sig-headers").GetString()!.Split(':'))
            options.SignedHeaders.Add(name);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(test.GetProperty("t").GetInt64()));
        var arc = await new ArcVerification().VerifyAsync(message, dns);
        var set = await new ArcSealing(key, options, time).SealAsync(message, new AuthenticationReport([], arc, null, null, null), test.GetProperty("srv-id").GetString()!);
        var expectedSeal = Tags(test.GetProperty("AS").GetString());
        if (expectedSeal is null)
            return set.Count == 0 ? (null, null, null) : (null, "sealed a chain whose newest seal says cv=fail", null);
        if (set.Count != 3)
            return (null, $"{set.Count} ARC fields, not a set of three", null);
        var seal = Tags(set.Single(h => h.Id == HeaderId.ArcSeal).Value)!;
        var signature = Tags(set.Single(h => h.Id == HeaderId.ArcMessageSignature).Value)!;
        var expectedSignature = Tags(test.GetProperty("AMS").GetString())!;
        foreach (var (ours, theirs, tag) in (ValueTuple<Dictionary<string, string>, Dictionary<string, string>, string>[])
            [(seal, expectedSeal, "cv"), (seal, expectedSeal, "i"), (seal, expectedSeal, "a"), (signature, expectedSignature, "bh"), (signature, expectedSignature, "h"), (signature, expectedSignature, "c")])
        {
            if (!string.Equals(ours.GetValueOrDefault(tag), theirs.GetValueOrDefault(tag), StringComparison.OrdinalIgnoreCase))
                return (null, $"{tag}={ours.GetValueOrDefault(tag)}, the suite says {tag}={theirs.GetValueOrDefault(tag)}", null);
        }

        for (var i = set.Count - 1; i >= 0; i--)
            message.Headers.Insert(0, set[i]);
        var wire = Encoding.UTF8.GetString(Messages.Bytes(message));
        var again = await new ArcVerification().VerifyAsync(Messages.Parse(wire), dns);
        var expected = seal["cv"] == "fail" ? AuthResult.Fail : AuthResult.Pass;
        return again.Result == expected ? (wire, null, seal["cv"]) : (null, $"our own seal validates as {again.Result.ToKeyword()} ({again.Reason}) here", null);
    }

    private static Dictionary<string, string>? Tags(string? value) => string.IsNullOrWhiteSpace(value) ? null : DkimTags.Parse(value);

    private const string DkimpyArcVerify = """
        import json, sys, dkim
        out = []
        for case in json.load(sys.stdin):
            records = {name.encode(): text.encode() for name, text in case["records"].items()}
            cv, _, _ = dkim.arc_verify(case["message"].encode(), dnsfunc=lambda name, timeout=5: records.get(name.rstrip(b".")))
            out.append((cv or b"").decode().lower())
        print(json.dumps(out))
        """;

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
