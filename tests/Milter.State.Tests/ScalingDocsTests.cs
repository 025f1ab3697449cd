using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>
/// docs/scaling.md's Redis settings and systemd unit, run as written: a redis-server with the recommended redis.conf
/// lines (TLS only, an ACL user, no eviction), and a host with the unit's settings and its credential, which starts,
/// decides, and logs no password. What the test replaces is only the machine: ports, file paths, the password.
/// </summary>
[Collection(Alone.Name)]
public sealed partial class ScalingDocsTests
{
    private const string Password = "docs-pw-41ac";

    [Fact]
    public async Task The_recommended_Redis_settings_and_the_systemd_unit_work_together()
    {
        if (TestCertificates.Unavailable() is { } reason)
            Assert.Skip(reason);
        using var certificates = TestCertificates.Create();
        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "scaling.md"));
        var redisConf = Block(doc, "# /etc/redis/redis.conf");
        var unit = Block(doc, "# /etc/systemd/system/greylist.service");

        // The ACL user the comment of aclfile shows, with the test's password.
        var aclFile = Path.Combine(certificates.Directory, "users.acl");
        await File.WriteAllTextAsync(aclFile, AclComment().Match(redisConf).Groups[1].Value.Replace(">...", ">" + Password, StringComparison.Ordinal) + "\n");
        await using var redis = await RedisFaultTests.StartRedisAsync(port => [.. Lines(redisConf).SelectMany(line => Argument(line, port, certificates, aclFile))]);

        var credentials = Directory.CreateDirectory(Path.Combine(certificates.Directory, "credentials")).FullName;
        var settings = new List<KeyValuePair<string, string?>>();
        foreach (var line in Lines(unit))
        {
            if (line.StartsWith("Environment=Milter__Store__", StringComparison.Ordinal))
            {
                var (key, value) = (line["Environment=".Length..line.IndexOf('=', "Environment=".Length)], line[(line.IndexOf('=', "Environment=".Length) + 1)..]);
                value = value.Replace("redis1.example:6380", redis.Configuration, StringComparison.Ordinal).Replace("/etc/greylist/redis-ca.crt", certificates.Ca, StringComparison.Ordinal);
                settings.Add(KeyValuePair.Create(key.Replace("__", ":", StringComparison.Ordinal), (string?)value));
            }
            else if (line.StartsWith("LoadCredential=", StringComparison.Ordinal))
            {
                // systemd copies the file into the service's credentials directory under the credential's name.
                await File.WriteAllTextAsync(Path.Combine(credentials, line["LoadCredential=".Length..line.IndexOf(':', StringComparison.Ordinal)]), Password + "\n");
            }
        }

        Assert.Equal(["Milter:Store:Redis", "Milter:Store:RedisPasswordFile", "Milter:Store:RedisCaFile"], settings.Select(s => s.Key));
        using var loggers = new CapturingLoggers();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<ILoggerFactory>(loggers);
        builder.Services.AddMilterStore();
        Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", credentials);
        Environment.ExitCode = 0;
        try
        {
            using var host = builder.Build();
            await host.StartAsync();
            var store = host.Services.GetRequiredService<MilterStore>();
            Assert.Equal($"Redis {redis.Configuration} (TLS)", store.Description);
            await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(store)).Verdict == FaultProbe.Decided);
            await host.StopAsync();
            Assert.Equal(0, Environment.ExitCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", null);
            Environment.ExitCode = 0;
        }

        Assert.DoesNotContain(loggers.Lines, l => l.Level >= LogLevel.Warning);
        Assert.DoesNotContain(loggers.Lines, l => l.Text.Contains(Password, StringComparison.Ordinal));
    }

    /// <summary>A redis.conf line as redis-server arguments, on the test's port and files.</summary>
    private static string[] Argument(string line, int port, TestCertificates certificates, string aclFile)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var value = words[0] switch
        {
            "tls-port" => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "tls-cert-file" => certificates.ServerCertificate,
            "tls-key-file" => certificates.ServerKey,
            "tls-ca-cert-file" => certificates.Ca,
            "aclfile" => aclFile,
            _ => string.Join(' ', words[1..]),
        };
        return ["--" + words[0], value];
    }

    /// <summary>The lines of a block, without comments.</summary>
    private static IEnumerable<string> Lines(string block) =>
        block.Split('\n').Select(l => (l.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? l[..hash] : l).Trim()).Where(l => l.Length > 0 && !l.StartsWith('['));

    private static string Block(string doc, string firstLine)
    {
        var start = doc.IndexOf("```\n" + firstLine, StringComparison.Ordinal) is var plain and >= 0 ? plain : doc.IndexOf("```ini\n" + firstLine, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/scaling.md has no block starting {firstLine}");
        var body = doc.IndexOf('\n', start) + 1;
        return doc[body..doc.IndexOf("```", body, StringComparison.Ordinal)];
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Milter.sln")))
                return folder.FullName;
        }

        throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"aclfile \S+ +# (user .+)")]
    private static partial Regex AclComment();
}
