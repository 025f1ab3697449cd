using System.Net;
using System.Text.Json;

namespace Milter.Authentication.Tests;

/// <summary>
/// The RFC 7208 test suite (openspf.org's, release 2014.04) as Debian's python3-spf ships it, read at test time and
/// turned from YAML into JSON by Debian's python3-yaml: every test of every section, each with its own zone data.
/// </summary>
public class SpfSuiteTests(ITestOutputHelper output)
{
    private const string Suite = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz";

    [Fact]
    public async Task Every_test_of_the_RFC_7208_suite_gives_the_suites_result()
    {
        if (!File.Exists(Suite))
            Assert.Skip($"{Suite} is missing (apt-get install python3-spf; tests/install-dependencies.sh does)");
        DebianPython.Require("yaml", "python3-yaml");
        using var sections = JsonDocument.Parse(DebianPython.Output(ToJson, Suite));
        var failures = new List<string>();
        var count = 0;
        foreach (var section in sections.RootElement.EnumerateArray())
        {
            var dns = new SuiteDns(section.GetProperty("zonedata"));
            foreach (var test in section.GetProperty("tests").EnumerateObject())
            {
                count++;
                if (await Mismatch(test.Value, dns) is { } mismatch)
                    failures.Add($"{test.Name} ({section.GetProperty("description").GetString()}): {mismatch}");
            }
        }

        output.WriteLine($"{count - failures.Count}/{count} tests of the RFC 7208 suite pass");
        Assert.Equal(203, count);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static async Task<string?> Mismatch(JsonElement test, SuiteDns dns)
    {
        var expected = test.GetProperty("result") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(r => r.GetString()!).ToArray()
            : [test.GetProperty("result").GetString()!];
        var helo = test.GetProperty("helo").GetString();
        var spf = new SpfChecker(new SpfOptions { ReceivingHost = "receivingdomain.com" });
        var result = await spf.CheckMailFromAsync(IPAddress.Parse(test.GetProperty("host").GetString()!), test.GetProperty("mailfrom").GetString(), helo, dns);
        var keyword = result.Result.ToKeyword();
        if (!expected.Contains(keyword))
            return $"{keyword} ({result.Reason}), the suite says {string.Join(" or ", expected)}";
        // "DEFAULT" is the checker's own explanation, whatever it is (we give none: the filter writes its own reply).
        if (result.Result == AuthResult.Fail && test.TryGetProperty("explanation", out var explanation) && explanation.GetString() is not ("DEFAULT" or null)
            && explanation.GetString() != result.Explanation)
            return $"explanation \"{result.Explanation}\", the suite says \"{explanation.GetString()}\"";
        return null;
    }

    private const string ToJson = """
        import gzip, json, sys, yaml
        with gzip.open(sys.stdin.read(), "rt", encoding="utf-8") as suite:
            print(json.dumps(list(yaml.safe_load_all(suite))))
        """;

    /// <summary>
    /// A section's zone data as DNS, the way the suite's drivers read it: names case-insensitive, a type SPF record
    /// also served as TXT unless the name has TXT records of its own (RFC 7208 dropped type SPF), TIMEOUT as a
    /// temporary failure of every question about the name, "NONE" as a name with no record of that type, CNAMEs
    /// followed.
    /// </summary>
    private sealed class SuiteDns : IDnsResolver
    {
        private readonly Dictionary<string, List<(string Type, JsonElement Value)>> _names = new(StringComparer.OrdinalIgnoreCase);

        public SuiteDns(JsonElement zone)
        {
            foreach (var name in zone.EnumerateObject())
            {
                var records = new List<(string, JsonElement)>();
                foreach (var record in name.Value.EnumerateArray())
                {
                    if (record.ValueKind == JsonValueKind.String)
                        records.Add((record.GetString()!, default));
                    else
                        records.AddRange(record.EnumerateObject().Select(p => (p.Name, p.Value)));
                }

                if (!records.Any(r => r.Item1 == "TXT"))
                    records.AddRange(records.Where(r => r.Item1 == "SPF").Select(r => ("TXT", r.Item2)).ToList());
                _names[Key(name.Name)] = records;
            }
        }

        public ValueTask<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Answer(name, "TXT", v => v.ValueKind == JsonValueKind.Array ? string.Concat(v.EnumerateArray().Select(s => s.GetString())) : v.GetString()!));

        public ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Answer(name, ipv6 ? "AAAA" : "A", v => IPAddress.Parse(v.GetString()!)));

        public ValueTask<DnsAnswer<string>> MxAsync(string name, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Answer(name, "MX", v => v[1].GetString()!.TrimEnd('.')));

        public ValueTask<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Answer(address.GetArpaName(), "PTR", v => v.GetString()!.TrimEnd('.')));

        private DnsAnswer<T> Answer<T>(string name, string type, Func<JsonElement, T> read)
        {
            for (var hops = 0; hops < 10; hops++)
            {
                if (!_names.TryGetValue(Key(name), out var records))
                    return DnsAnswer<T>.Failed(DnsResultCode.NameError);
                if (records.FirstOrDefault(r => r.Type == "CNAME") is { Type: not null } alias)
                {
                    name = alias.Value.GetString()!;
                    continue;
                }

                // In list order, as the suite's drivers read it: TIMEOUT times out a question no record before it answered.
                var found = new List<T>();
                foreach (var (recordType, value) in records)
                {
                    if (recordType == "TIMEOUT" && found.Count == 0)
                        return DnsAnswer<T>.Failed(DnsResultCode.TemporaryFailure, "TIMEOUT");
                    if (recordType == type && !(value.ValueKind == JsonValueKind.String && value.GetString() == "NONE"))
                        found.Add(read(value));
                }

                return found.Count == 0 ? DnsAnswer<T>.Failed(DnsResultCode.NoData) : DnsAnswer<T>.Of(found);
            }

            return DnsAnswer<T>.Failed(DnsResultCode.TemporaryFailure, "CNAME loop");
        }

        private static string Key(string name) => name.TrimEnd('.');
    }
}
