namespace Milter.IntegrationTests.Support;

/// <summary>OpenDKIM (Debian's opendkim) as a milter on a free loopback port, with an opendkim.conf written for it.</summary>
internal static class OpenDkim
{
    public const string Daemon = "/usr/sbin/opendkim";

    /// <summary>Why OpenDKIM cannot run here, or null when it can.</summary>
    public static string? Unavailable() =>
        File.Exists(Daemon) && File.Exists("/usr/sbin/opendkim-genkey") ? null : "OpenDKIM is not installed (apt-get install opendkim opendkim-tools; ./test.sh does it as root)";

    /// <summary>
    /// Starts OpenDKIM with <paramref name="settings"/> (opendkim.conf lines) in <paramref name="directory"/>, named
    /// <paramref name="name"/>; every On-* action is accept, so each message is delivered with its results. With
    /// <paramref name="frozenClock"/> (faketime's form, "2026-12-07 12:00:00") its clock stands still at that time.
    /// </summary>
    public static async Task<MilterProcess> StartAsync(string directory, string name, string settings, string? frozenClock = null)
    {
        var port = FreePorts.One();
        var config = Path.Combine(directory, $"{name}.conf");
        await File.WriteAllTextAsync(config, $"""
            Syslog no
            Socket inet:{port}@127.0.0.1
            PidFile {Path.Combine(directory, $"{name}.pid")}
            RequireSafeKeys false
            On-Default accept
            On-BadSignature accept
            On-DNSError accept
            On-KeyNotFound accept
            On-InternalError accept
            On-NoSignature accept
            On-Security accept
            On-SignatureError accept
            {settings}
            """);
        return frozenClock is null
            ? await MilterProcess.StartAsync(port, Daemon, "-f", "-x", config)
            : await MilterProcess.StartAsync("127.0.0.1", port, MilterCluster.FakeTime, ["-f", frozenClock, Daemon, "-f", "-x", config]);
    }
}
