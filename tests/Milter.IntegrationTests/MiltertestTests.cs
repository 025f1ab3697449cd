using System.Diagnostics;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// OpenDKIM's miltertest (Debian package miltertest), a third real MTA-side peer that sends no macros of its own: the
/// samples pass their miltertest scripts (samples/*/miltertest.lua), and so does a pymilter (libmilter) milter with the
/// same behaviour, which proves the script tests the behaviour, not our SDK.
/// </summary>
public class MiltertestTests
{
    private const string Miltertest = "/usr/bin/miltertest";

    public static TheoryData<string> Samples() => ["HeaderStamper", "RecipientPolicy", "EventLogger", "HostedStamper", "HandWrittenMilter", "AttachmentGuard", "ObservedMilter"];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_sample_passes_its_miltertest_script(string sample)
    {
        SkipUnlessInstalled();
        await using var milter = await SampleMilter.StartAsync(sample);

        await RunScriptAsync(sample, milter.Port);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_pymilter_milter_with_the_same_behaviour_passes_the_same_script(string sample)
    {
        SkipUnlessInstalled();
        if (await Pymilter.UnavailableAsync() is { } reason)
            Assert.Skip(reason);
        var script = sample switch
        {
            "HeaderStamper" => "header_stamper.py",
            "RecipientPolicy" => "recipient_policy.py",
            "EventLogger" => "event_logger.py",
            "HostedStamper" => "hosted_stamper.py",
            "HandWrittenMilter" => "hand_written_milter.py",
            "AttachmentGuard" => "attachment_guard.py",
            "ObservedMilter" => "observed_milter.py",
            _ => throw new ArgumentOutOfRangeException(nameof(sample), sample, "no pymilter milter for this sample"),
        };
        await using var milter = await Pymilter.StartAsync(script);

        await RunScriptAsync(sample, milter.Port);
    }

    private static void SkipUnlessInstalled()
    {
        if (!File.Exists(Miltertest))
            Assert.Skip("miltertest is not installed (apt-get install miltertest; ./test.sh does it as root)");
    }

    /// <summary>Runs samples/SAMPLE/miltertest.lua against the milter on this loopback port; fails with what it printed.</summary>
    private static async Task RunScriptAsync(string sample, int port)
    {
        var script = Path.Combine(Repository.Root, "samples", sample, "miltertest.lua");
        var info = new ProcessStartInfo(Miltertest, ["-D", $"socket=inet:{port}@127.0.0.1", "-s", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"miltertest exited with {process.ExitCode}: {await error}{await output}");
    }
}
