using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>
/// Every way a real SQLite file can fail us: locked by another process, read-only, a full disk, damaged. Each decision
/// gets the configured answer within the time budget, and the log says so in one line naming the kind of fault and
/// the file, with no stack trace.
/// </summary>
[Collection(Alone.Name)]
public sealed class SqliteFaultTests(Stores stores, ITestOutputHelper output)
{

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task A_database_another_process_keeps_locked_gets_the_configured_answer_until_it_lets_go(StoreUnavailableAction action)
    {
        if (!File.Exists("/usr/bin/sqlite3"))
            Assert.Skip("sqlite3 is not installed (apt-get install sqlite3)");
        var options = stores.Options("sqlite");
        options.WhenUnavailable = action;
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(options, loggers);
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);

        // The sqlite3 shell takes the write lock and keeps it while its input stays open.
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/sqlite3", [options.SqlitePath]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        await holder.StandardInput.WriteLineAsync("BEGIN EXCLUSIVE; INSERT INTO kv VALUES ('held', 'by sqlite3', 0); SELECT 'locked';");
        await holder.StandardInput.FlushAsync();
        Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

        var answers = await FaultProbe.DecideManyAsync(store, 10, 5);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("k", TimeSpan.FromMinutes(1)));
        holder.StandardInput.Close();
        await holder.WaitForExitAsync();

        Assert.All(answers, a => Assert.Equal(FaultProbe.Expected(action), a.Verdict));
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, FaultProbe.Budget + FaultProbe.Margin));
        Assert.Equal(StoreFault.Locked, error.Fault);
        Assert.StartsWith($"{store.Description}: SQLite Error 5: 'database is locked'.", error.Message, StringComparison.Ordinal);
        FaultProbe.Report(output, "SQLite locked by another process", error.Fault, action, answers.Select(a => a.Elapsed));
        await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(store)).Verdict == FaultProbe.Decided);
        OutageAssertions.Logged(loggers, store, action, StoreFault.Locked, StoreFault.Timeout);
        Assert.Contains(loggers.At(LogLevel.Information), l => l.StartsWith($"State store {store.Description} available again after ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_only_database_answers_reads_and_fails_writes_as_a_read_only_fault()
    {
        using var mounts = new Mounts();
        var writable = Path.Combine(Directory.CreateTempSubdirectory("milter-state-ro-").FullName, "state.db");
        await using (var before = MilterStore.Create(new MilterStoreOptions { SqlitePath = writable }))
            await before.AddToSetAsync("greylist:passed", "known", TimeSpan.FromHours(1));
        var readOnly = Path.Combine(mounts.ReadOnlyView(Path.GetDirectoryName(writable)!), "state.db");

        using var loggers = new CapturingLoggers();
        MilterStore store;
        try
        {
            store = MilterStore.Create(new MilterStoreOptions { SqlitePath = readOnly }, loggers);
        }
        catch (MilterStoreUnavailableException e)
        {
            // SQLite may refuse a read-only WAL database outright: that is the start-up check's case.
            Assert.Contains(e.Fault, new[] { StoreFault.ReadOnly, StoreFault.CannotOpen });
            FaultProbe.Report(output, "SQLite file read-only (at open)", e.Fault, StoreUnavailableAction.Tempfail, [TimeSpan.Zero]);
            return;
        }

        await using (store)
        {
            var answers = await FaultProbe.DecideManyAsync(store, 10, 5);
            var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("k", TimeSpan.FromMinutes(1)));
            var check = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.CheckAsync());

            Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
            // A database in WAL mode needs its shared-memory file beside it, which a read-only file system cannot create.
            Assert.Contains(error.Fault, new[] { StoreFault.ReadOnly, StoreFault.CannotOpen });
            Assert.True(check.IsConfigurationFault);
            FaultProbe.Report(output, "SQLite file system read-only", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
            OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Tempfail, StoreFault.ReadOnly, StoreFault.CannotOpen);
        }
    }

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task A_full_disk_gets_the_configured_answer_and_decisions_resume_when_there_is_room(StoreUnavailableAction action)
    {
        using var mounts = new Mounts();
        var folder = mounts.Tmpfs("1m");
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(new MilterStoreOptions { SqlitePath = Path.Combine(folder, "state.db"), WhenUnavailable = action }, loggers);
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);

        // Fill what is left, then ask for more than a page (a long key): the write-ahead log must grow.
        var filler = Path.Combine(folder, "filler");
        await using (var fill = File.Create(filler))
        {
            try
            {
                while (true)
                    await fill.WriteAsync(new byte[4096]);
            }
            catch (IOException)
            {
                // ENOSPC: full.
            }
        }

        var answers = new List<(MilterVerdict Verdict, TimeSpan Elapsed)>();
        for (var i = 0; i < 10; i++)
        {
            var clock = Stopwatch.StartNew();
            var verdict = await store.DecideAsync(async ct =>
            {
                await store.IncrementAsync(new string('x', 8000) + i, TimeSpan.FromHours(1), ct);
                return FaultProbe.Decided;
            });
            answers.Add((verdict, clock.Elapsed));
        }

        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync(new string('y', 8000), TimeSpan.FromMinutes(1)));

        Assert.All(answers, a => Assert.Equal(FaultProbe.Expected(action), a.Verdict));
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, FaultProbe.Budget + FaultProbe.Margin));
        Assert.Equal(StoreFault.DiskFull, error.Fault);
        FaultProbe.Report(output, "SQLite disk full", error.Fault, action, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, action, StoreFault.DiskFull);

        File.Delete(filler);
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);
    }

    [Fact]
    public async Task A_damaged_file_is_a_corrupt_fault()
    {
        var options = stores.Options("sqlite");
        await using (var before = MilterStore.Create(options))
        {
            for (var i = 0; i < 200; i++)
                await before.IncrementAsync($"counter {i}", TimeSpan.FromHours(1));
        }

        // Keep the header page, overwrite every page after it: the tables' pages are garbage.
        await using (var file = File.OpenWrite(options.SqlitePath))
        {
            file.Position = 4096;
            var garbage = new byte[file.Length - 4096];
            new Random(27).NextBytes(garbage);
            await file.WriteAsync(garbage);
        }

        using var loggers = new CapturingLoggers();
        MilterStore store;
        try
        {
            store = MilterStore.Create(options, loggers);
        }
        catch (MilterStoreUnavailableException e)
        {
            Assert.Equal(StoreFault.Corrupt, e.Fault);
            FaultProbe.Report(output, "SQLite file damaged (at open)", e.Fault, StoreUnavailableAction.Tempfail, [TimeSpan.Zero]);
            return;
        }

        await using (store)
        {
            var answers = new List<(MilterVerdict Verdict, TimeSpan Elapsed)>();
            for (var i = 0; i < 10; i++)
            {
                var clock = Stopwatch.StartNew();
                answers.Add((await store.DecideAsync(async ct => (await store.IncrementAsync($"counter {i}", TimeSpan.FromHours(1), ct)).Count > 0 ? FaultProbe.Decided : MilterVerdict.Accept), clock.Elapsed));
            }

            var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("counter 7", TimeSpan.FromMinutes(1)));
            Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
            Assert.Equal(StoreFault.Corrupt, error.Fault);
            FaultProbe.Report(output, "SQLite file damaged", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
            OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Tempfail, StoreFault.Corrupt);
        }
    }
}
