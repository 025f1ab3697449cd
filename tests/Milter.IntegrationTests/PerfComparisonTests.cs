using System.Diagnostics;
using System.Globalization;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// The parts of tests/perf/compare.sh, checked in seconds (the comparison itself takes minutes and is run by hand):
/// the C load driver and the libmilter milter build with gcc without a warning, each milter passes messages with the
/// three changes the driver checks (the minimal filter with and without a body the MTA must send, the ordinary one with
/// three recipients and ten headers over persistent connections), and ours prints its allocations on SIGUSR1.
/// </summary>
public class PerfComparisonTests
{
    private static readonly string Sources = Path.Combine(Repository.Root, "tests", "perf");
    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    [Theory]
    [InlineData("ours")]
    [InlineData("libmilter")]
    [InlineData("pymilter")]
    [InlineData("ours --ordinary")]
    [InlineData("libmilter -O")]
    public async Task Messages_pass_through_the_milter_with_its_three_changes(string milter)
    {
        var ordinary = milter.Contains(' ', StringComparison.Ordinal);
        if (Unbuildable() is { } reason)
            Assert.Skip(reason);
        if (milter == "pymilter" && await Pymilter.UnavailableAsync() is { } missing)
            Assert.Skip(missing);
        var build = await Built.Value;
        var port = FreePorts.One();
        var address = $"inet:{port}@127.0.0.1";
        await using var process = milter switch
        {
            "ours" => await MilterProcess.StartAsync(port, Path.Combine(AppContext.BaseDirectory, "Milter.Perf"), address),
            "ours --ordinary" => await MilterProcess.StartAsync(port, Path.Combine(AppContext.BaseDirectory, "Milter.Perf"), "--ordinary", address),
            "libmilter" => await MilterProcess.StartAsync(port, Path.Combine(build, "libmilter_perf"), "-N", address),
            "libmilter -O" => await MilterProcess.StartAsync(port, Path.Combine(build, "libmilter_perf"), "-N", "-O", address),
            _ => await MilterProcess.StartAsync(port, "/usr/bin/python3", Path.Combine(Sources, "pymilter_perf.py"), address),
        };

        // Without NOBODY offered, a body of four chunks goes to the milter too: the no-reply body path is taken. The
        // ordinary filter answers each of three recipients, on connections that carry three messages each.
        string[][] loads = ordinary
            ? [["-c", "2", "-n", "6", "-m", "3", "-r", "3", "-h", "10", "-b", "10240"]]
            : [["-c", "2", "-n", "3"], ["-n", "2", "-b", "200000", "-B"]];
        foreach (var load in loads)
        {
            var (exitCode, log) = await Command.RunAsync(Path.Combine(build, "perfload"), [.. load, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(exitCode == 0, log);
            Assert.Contains($"messages={load[Array.IndexOf(load, "-n") + 1]} errors=0", log, StringComparison.Ordinal);
        }
    }

    /// <summary>The composition rows: three part milters chained by the driver make, together, the three changes.</summary>
    [Fact]
    public async Task Three_part_milters_chained_by_the_driver_make_the_three_changes_together()
    {
        if (Unbuildable() is { } reason)
            Assert.Skip(reason);
        var build = await Built.Value;
        var parts = new List<MilterProcess>();
        try
        {
            foreach (var part in new[] { "stamp", "subject", "recipient" })
            {
                var port = FreePorts.One();
                parts.Add(await MilterProcess.StartAsync(port, Path.Combine(AppContext.BaseDirectory, "Milter.Perf"), "--part", part, $"inet:{port}@127.0.0.1"));
            }

            var chain = string.Join(',', parts.Select(p => p.Port.ToString(CultureInfo.InvariantCulture)));
            var (exitCode, log) = await Command.RunAsync(Path.Combine(build, "perfload"), ["-c", "2", "-n", "6", "-m", "3", "-r", "3", "-h", "10", "-b", "10240", "127.0.0.1", chain]);
            Assert.True(exitCode == 0, log);
            Assert.Contains("messages=6 errors=0", log, StringComparison.Ordinal);
            Assert.Contains("milters=3", log, StringComparison.Ordinal);

            // One part alone makes one change of three: the driver counts over the chain, and says what it missed.
            (exitCode, log) = await Command.RunAsync(Path.Combine(build, "perfload"), ["-n", "1", "127.0.0.1", parts[0].Port.ToString(CultureInfo.InvariantCulture)]);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("1 headers added, 0 Subject changes, 0 recipients added", log, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var part in parts)
                await part.DisposeAsync();
        }
    }

    /// <summary>The other side of the composition rows: the three parts composed on one socket make the three changes.</summary>
    [Fact]
    public async Task The_three_parts_composed_on_one_socket_make_the_three_changes()
    {
        if (Unbuildable() is { } reason)
            Assert.Skip(reason);
        var build = await Built.Value;
        var port = FreePorts.One();
        await using var pipeline = await MilterProcess.StartAsync(port, Path.Combine(AppContext.BaseDirectory, "Milter.Perf"), "--pipeline", $"inet:{port}@127.0.0.1");

        var (exitCode, log) = await Command.RunAsync(Path.Combine(build, "perfload"),
            ["-c", "2", "-n", "6", "-m", "3", "-r", "3", "-h", "10", "-b", "10240", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)]);

        Assert.True(exitCode == 0, log);
        Assert.Contains("messages=6 errors=0", log, StringComparison.Ordinal);
        Assert.Contains("milters=1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_perf_milter_prints_its_allocations_on_SIGUSR1()
    {
        var port = FreePorts.One();
        using var process = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Milter.Perf"), $"inet:{port}@127.0.0.1")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            // Signalled once it listens: its handler is registered before that, and SIGUSR1 would end it sooner.
            Assert.True(await Listening.WaitAsync(process, port, TimeSpan.FromSeconds(20)), "Milter.Perf did not listen");

            await Command.RunAsync("kill", "-USR1", process.Id.ToString(CultureInfo.InvariantCulture));

            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Matches("^allocated_bytes=[0-9]+ gc_committed_bytes=[0-9]+ gc_heap_bytes=[0-9]+$", line);
            Assert.False(process.HasExited, "SIGUSR1 ended the process");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private static string? Unbuildable()
    {
        if (!File.Exists("/usr/bin/gcc"))
            return "gcc is not installed (apt-get install gcc libc6-dev; ./test.sh does it as root)";
        if (!File.Exists("/usr/include/libmilter/mfapi.h"))
            return "libmilter-dev is not installed (apt-get install libmilter-dev; ./test.sh does it as root)";
        return null;
    }

    /// <summary>Compiles the driver and the libmilter milter as compare.sh does, warnings as errors.</summary>
    private static async Task<string> BuildAsync()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "perf-build");
        Directory.CreateDirectory(output);
        (string Program, string[] Sources, string Libraries)[] programs =
        [
            ("perfload", ["perfload.c", "mta.c"], "-lm"),
            ("libmilter_perf", ["libmilter_perf.c"], "-lmilter"),
        ];
        foreach (var (program, sources, libraries) in programs)
        {
            var (exitCode, log) = await Command.RunAsync("gcc",
                ["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", Path.Combine(output, program), .. sources.Select(s => Path.Combine(Sources, s)), libraries]);
            Assert.True(exitCode == 0, $"gcc {program}: {log}");
        }

        return output;
    }
}
