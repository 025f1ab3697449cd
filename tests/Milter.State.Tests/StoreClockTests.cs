using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>
/// Times compared across instances come from the store: Redis's TIME, which two processes on clocks 4 s apart read
/// alike (libfaketime skews one, as an unsynchronised host would be); SQLite's processes share this machine's clock.
/// </summary>
public sealed class StoreClockTests(Stores stores)
{
    private const string ChildVariable = "MILTER_STATE_CLOCK_CHILD";

    [Fact]
    public async Task Two_processes_on_clocks_4_s_apart_read_the_same_time_from_Redis()
    {
        if (!File.Exists("/usr/bin/faketime"))
            Assert.Skip("faketime is not installed (apt-get install faketime)");
        var options = stores.Options("redis");

        var onTime = await StampAsync(options.Redis!, skew: null);
        var ahead = await StampAsync(options.Redis!, skew: "+4s");

        // The second process's own clock is 4 s ahead (plus the time between the two stamps)...
        var between = ahead.Store - onTime.Store;
        Assert.InRange(ahead.Own - onTime.Own - between, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4.5));
        // ...and the store's clock, read by either, runs as this machine's: no skew in it.
        Assert.InRange(between, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.InRange((onTime.Store - onTime.Own).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(0.5));
        Assert.InRange((ahead.Own - ahead.Store) - TimeSpan.FromSeconds(4), -TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.5));
    }

    /// <summary>Not a test of its own: the child process of the test above, which starts this assembly again under faketime.</summary>
    [Fact]
    public async Task Child_process_writes_its_own_clock_and_the_store_clock()
    {
        var task = Environment.GetEnvironmentVariable(ChildVariable);
        if (string.IsNullOrEmpty(task))
            Assert.Skip($"runs only as the child process of {nameof(Two_processes_on_clocks_4_s_apart_read_the_same_time_from_Redis)}");
        var (redis, file) = (task.Split('|')[0], task.Split('|')[1]);
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = redis });
        var storeTime = await store.GetTimeAsync();
        var own = DateTimeOffset.UtcNow;
        await File.WriteAllTextAsync(file, $"{own.ToUnixTimeMilliseconds()} {storeTime.ToUnixTimeMilliseconds()}");
    }

    [Fact]
    public async Task SQLite_time_is_the_machines_clock_which_its_processes_share()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        await using var store = stores.Open("sqlite", time);
        Assert.Equal(time.GetUtcNow(), await store.GetTimeAsync());
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(time.GetUtcNow(), await store.GetTimeAsync());
    }

    private static async Task<(DateTimeOffset Own, DateTimeOffset Store)> StampAsync(string redis, string? skew)
    {
        var file = Path.Combine(Path.GetTempPath(), $"milter-clock-{Guid.NewGuid():N}");
        var assembly = typeof(StoreClockTests).Assembly.Location;
        string[] test = ["exec", assembly, "-method", $"*.{nameof(Child_process_writes_its_own_clock_and_the_store_clock)}"];
        var start = skew is null
            ? new ProcessStartInfo("dotnet", test)
            : new ProcessStartInfo("/usr/bin/faketime", ["-f", skew, "dotnet", .. test]);
        start.Environment[ChildVariable] = $"{redis}|{file}";
        // The runtime's timers keep the real monotonic clock; only the wall clock is skewed.
        start.Environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(file), $"the child wrote nothing (exit {child.ExitCode}): {await output}");
        var stamps = (await File.ReadAllTextAsync(file)).Split(' ').Select(s => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(s, CultureInfo.InvariantCulture))).ToArray();
        File.Delete(file);
        return (stamps[0], stamps[1]);
    }
}
