using Microsoft.Extensions.Logging.Abstractions;
using Milter.Hosting;
using Milter.IntegrationTests.Support;

namespace Milter.Testing.Tests.Hosting;

/// <summary>The systemd watchdog: fed over a real Unix datagram socket while the milters live, withheld when one is gone.</summary>
public class WatchdogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    // A bound on a ping that must come (every 100 ms), generous for a busy machine; an absence is checked over 3 timeouts.
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("2000000", null, "/run/systemd/notify", "00:00:02")]
    [InlineData("2000000", "42", "/run/systemd/notify", "00:00:02")]
    [InlineData("30000000", "42", "@/org/freedesktop/systemd1/notify/1", "00:00:30")]
    [InlineData("2000000", "43", "/run/systemd/notify", null)]    // another process's watchdog (inherited variables)
    [InlineData(null, null, "/run/systemd/notify", null)]         // no WatchdogSec=
    [InlineData("0", null, "/run/systemd/notify", null)]
    [InlineData("2s", null, "/run/systemd/notify", null)]
    [InlineData("2000000", null, null, null)]                     // nowhere to send
    public void The_settings_are_what_systemd_sets_for_this_process(string? usec, string? pid, string? socket, string? expected)
    {
        var environment = new Dictionary<string, string?> { ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid, ["NOTIFY_SOCKET"] = socket };
        var settings = WatchdogSettings.From(name => environment[name], processId: 42);
        Assert.Equal(expected, settings?.Timeout.ToString());
        if (settings is not null)
            Assert.Equal((socket, settings.Timeout / 2), (settings.NotifySocket, settings.PingInterval));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task It_pings_every_half_timeout_while_the_milter_lives_and_stops_when_it_could_not_listen(bool abstractName)
    {
        using var systemd = abstractName ? NotifyListener.Abstract() : NotifyListener.AtPath();
        var lifecycle = new MilterLifecycle();
        var server = lifecycle.Add("stamp", () => [], () => 0);
        using var watchdog = new SystemdWatchdog(new WatchdogSettings(systemd.Address, Timeout), lifecycle, NullLogger<SystemdWatchdog>.Instance);
        await watchdog.StartAsync(TestContext.Current.CancellationToken);

        // Starting counts as alive (TimeoutStartSec= covers a start that hangs), listening too.
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(Soon));
        server.Listening();
        await systemd.ReceiveAsync(Soon);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < 3; i++)
            Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(Soon));
        // Every half timeout (100 ms), not faster.
        Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(250), Soon);

        server.Failed("address in use");
        await Task.Delay(Timeout, TestContext.Current.CancellationToken);
        await systemd.DrainAsync();
        Assert.Null(await systemd.ReceiveAsync(Timeout * 3));

        await watchdog.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_milter_that_stops_listening_while_the_host_runs_is_not_fed_but_a_draining_one_is()
    {
        using var systemd = NotifyListener.AtPath();
        var lifecycle = new MilterLifecycle();
        var server = lifecycle.Add("stamp", () => [], () => 0);
        server.Listening();
        using var watchdog = new SystemdWatchdog(new WatchdogSettings(systemd.Address, Timeout), lifecycle, NullLogger<SystemdWatchdog>.Instance);
        await watchdog.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(Soon));

        lifecycle.BeginStopping();
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(Soon));

        var other = new MilterLifecycle();
        other.Add("stamp", () => [], () => 0).Stopped();
        using var unfed = NotifyListener.AtPath();
        using var second = new SystemdWatchdog(new WatchdogSettings(unfed.Address, Timeout), other, NullLogger<SystemdWatchdog>.Instance);
        await second.StartAsync(TestContext.Current.CancellationToken);
        Assert.Null(await unfed.ReceiveAsync(Timeout * 3));

        await watchdog.StopAsync(TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Without_a_watchdog_it_does_nothing()
    {
        using var watchdog = new SystemdWatchdog(null, new MilterLifecycle(), NullLogger<SystemdWatchdog>.Instance);
        await watchdog.StartAsync(TestContext.Current.CancellationToken);
        await watchdog.StopAsync(TestContext.Current.CancellationToken);
        Assert.True(watchdog.ExecuteTask?.IsCompleted);
    }
}
