using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Milter.IntegrationTests.Support;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>
/// Every way a real redis-server can fail us, one by one: each decision gets the configured answer (451 4.3.0, or
/// Continue that really lets the message through) within the time budget, and the log says so in one line naming the
/// kind of fault and the store's address, with no stack trace and no password.
/// </summary>
[Collection(Alone.Name)]
public sealed class RedisFaultTests(ITestOutputHelper output)
{
    private const string Password = "pw-9f1c-never-in-a-log";

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task A_frozen_Redis_gets_every_decision_the_configured_answer_within_the_budget(StoreUnavailableAction action)
    {
        await using var redis = await StartRedisAsync();
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, WhenUnavailable = action }, loggers);
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);

        // SIGSTOP: connections are accepted, nothing is answered.
        redis.Freeze();
        var answers = await FaultProbe.DecideManyAsync(store, 200, 40);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));
        redis.Thaw();

        Assert.All(answers, a => Assert.Equal(FaultProbe.Expected(action), a.Verdict));
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, FaultProbe.Budget + FaultProbe.Margin));
        Assert.Contains(error.Fault, new[] { StoreFault.Timeout, StoreFault.ConnectionFailed });
        FaultProbe.Report(output, FormattableString.Invariant(
            $"frozen Redis, {answers.Length} decisions 40 at a time, budget {FaultProbe.Budget.TotalSeconds} s: p50 {FaultProbe.Percentile(answers.Select(a => a.Elapsed), 50).TotalMilliseconds:0} ms, p99 {FaultProbe.Percentile(answers.Select(a => a.Elapsed), 99).TotalMilliseconds:0} ms, max {answers.Max(a => a.Elapsed).TotalMilliseconds:0} ms"));
        FaultProbe.Report(output, "Redis frozen (SIGSTOP)", error.Fault, action, answers.Select(a => a.Elapsed));

        await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(store)).Verdict == FaultProbe.Decided);
        OutageAssertions.Logged(loggers, store, action, StoreFault.Timeout, StoreFault.ConnectionFailed);
        Assert.Contains(loggers.At(LogLevel.Information), l => l.StartsWith($"State store {store.Description} available again after ", StringComparison.Ordinal)
            && l.EndsWith($"decisions were answered {OutageAssertions.Answer(action)}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task A_killed_Redis_gets_the_configured_answer_and_decisions_resume_when_it_is_back(StoreUnavailableAction action)
    {
        await using var redis = await StartRedisAsync();
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, WhenUnavailable = action }, loggers);
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);

        await redis.KillAsync();
        var answers = await FaultProbe.DecideManyAsync(store, 20, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));

        Assert.All(answers, a => Assert.Equal(FaultProbe.Expected(action), a.Verdict));
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, FaultProbe.Budget + FaultProbe.Margin));
        Assert.Equal(StoreFault.ConnectionFailed, error.Fault);
        FaultProbe.Report(output, "Redis killed (SIGKILL)", error.Fault, action, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, action, StoreFault.ConnectionFailed);

        await redis.StartAgainAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();
        await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(store)).Verdict == FaultProbe.Decided);
        FaultProbe.Report(output, FormattableString.Invariant($"Redis listening again: the first decision made {back.ElapsedMilliseconds} ms later"));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("no password")]
    public async Task A_Redis_that_refuses_our_credentials_is_answered_at_once_and_named_as_such(string credentials)
    {
        await using var redis = await StartRedisAsync(_ => ["--requirepass", Password]);
        using var loggers = new CapturingLoggers();
        var options = new MilterStoreOptions { Redis = redis.Configuration, RedisPassword = credentials == "wrong password" ? Password + "-typo" : null };
        await using var store = MilterStore.Create(options, loggers);

        var first = await FaultProbe.DecideAsync(store);
        var answers = await FaultProbe.DecideManyAsync(store, 20, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));

        Assert.Equal(MilterStore.UnavailableVerdict, first.Verdict);
        Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
        // Once the connection knows it is refused, waiting cannot help: no decision waits for the budget.
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(0.5)));
        Assert.Equal(StoreFault.AuthenticationFailed, error.Fault);
        FaultProbe.Report(output, $"Redis, {credentials}", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Tempfail, StoreFault.AuthenticationFailed);
        Assert.DoesNotContain(loggers.Lines, l => l.Text.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_password_from_a_file_or_the_environment_is_the_one_used()
    {
        await using var redis = await StartRedisAsync(_ => ["--requirepass", Password]);
        var file = Path.Combine(redis.Directory, "redis-password");
        await File.WriteAllTextAsync(file, Password + "\n");

        await using (var fromFile = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, RedisPasswordFile = file }))
            Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(fromFile)).Verdict);
        await using (var fromSetting = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, RedisPassword = Password }))
            Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(fromSetting)).Verdict);
        await using var inString = MilterStore.Create(new MilterStoreOptions { Redis = $"{redis.Configuration},password={Password}" });
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(inString)).Verdict);
        Assert.DoesNotContain(Password, inString.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_TLS_our_CA_is_trusted_and_another_CA_is_a_rejected_certificate()
    {
        if (TestCertificates.Unavailable() is { } reason)
            Assert.Skip(reason);
        using var certificates = TestCertificates.Create();
        await using var redis = await StartRedisAsync(port => Tls(certificates, port, clientCertificates: false));

        using var loggers = new CapturingLoggers();
        await using (var trusted = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, RedisCaFile = certificates.Ca }))
        {
            Assert.Equal($"Redis {redis.Configuration} (TLS)", trusted.Description);
            await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(trusted)).Verdict == FaultProbe.Decided);
        }

        await using var untrusted = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, RedisCaFile = certificates.OtherCa }, loggers);
        var first = await FaultProbe.DecideAsync(untrusted);
        var answers = await FaultProbe.DecideManyAsync(untrusted, 20, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await untrusted.GetAsync("k"));

        Assert.Equal(MilterStore.UnavailableVerdict, first.Verdict);
        Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
        Assert.Equal(StoreFault.CertificateRejected, error.Fault);
        FaultProbe.Report(output, "Redis TLS, certificate from another CA", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, untrusted, StoreUnavailableAction.Tempfail, StoreFault.CertificateRejected);
    }

    [Fact]
    public async Task A_Redis_that_checks_client_certificates_takes_ours()
    {
        if (TestCertificates.Unavailable() is { } reason)
            Assert.Skip(reason);
        using var certificates = TestCertificates.Create();
        await using var redis = await StartRedisAsync(port => Tls(certificates, port, clientCertificates: true));

        await using var withCertificate = MilterStore.Create(new MilterStoreOptions
        {
            Redis = redis.Configuration, RedisCaFile = certificates.Ca, RedisClientCertificateFile = certificates.ClientCertificate, RedisClientKeyFile = certificates.ClientKey,
        });
        // A TLS handshake with RSA keys on a busy machine may outlast the first decision's budget: the store gets there.
        await OutageAssertions.Eventually(async () => (await FaultProbe.DecideAsync(withCertificate)).Verdict == FaultProbe.Decided);

        await using var without = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, RedisCaFile = certificates.Ca });
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(MilterStore.UnavailableVerdict, (await FaultProbe.DecideAsync(without)).Verdict);
        await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await without.CheckAsync());
    }

    [Fact]
    public async Task An_unknown_host_is_named_as_such()
    {
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = "redis.invalid:6379" }, loggers);

        var answers = await FaultProbe.DecideManyAsync(store, 10, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));

        Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
        Assert.Equal(StoreFault.UnknownHost, error.Fault);
        FaultProbe.Report(output, "Redis host name unknown", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Tempfail, StoreFault.UnknownHost);
    }

    [Fact]
    public async Task A_read_only_replica_is_a_server_error_and_fails_open_when_configured()
    {
        // A replica whose master is away answers reads and refuses writes (READONLY).
        await using var redis = await StartRedisAsync(_ => ["--replicaof", "127.0.0.1", FreePorts.One().ToString(CultureInfo.InvariantCulture)]);
        using var loggers = new CapturingLoggers();
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration, WhenUnavailable = StoreUnavailableAction.Continue }, loggers);

        var answers = await FaultProbe.DecideManyAsync(store, 10, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("k", TimeSpan.FromMinutes(1)));

        Assert.All(answers, a => Assert.Equal(MilterVerdict.Continue, a.Verdict));
        // A script that writes reaches the replica, which refuses it; a plain write is refused by the client itself.
        Assert.Equal(StoreFault.ServerError, error.Fault);
        Assert.StartsWith($"{store.Description}: READONLY ", error.Message, StringComparison.Ordinal);
        var plainWrite = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.CompareAndSetAsync("k", null, "v", TimeSpan.FromMinutes(1)));
        Assert.Equal($"{store.Description}: no writable primary: the servers that answer are replicas", plainWrite.Message);
        FaultProbe.Report(output, "Redis read-only replica", error.Fault, StoreUnavailableAction.Continue, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Continue, StoreFault.ServerError, StoreFault.ConnectionFailed);
    }

    [Fact]
    public async Task Something_that_is_not_Redis_is_answered_as_configured()
    {
        // A server that answers every connection with a line no Redis would send, then closes it.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), stop.Token);
            }
        });
        using var loggers = new CapturingLoggers();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = $"127.0.0.1:{port}" }, loggers);

        var answers = await FaultProbe.DecideManyAsync(store, 10, 10);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));
        await stop.CancelAsync();

        Assert.All(answers, a => Assert.Equal(MilterStore.UnavailableVerdict, a.Verdict));
        Assert.All(answers, a => Assert.InRange(a.Elapsed, TimeSpan.Zero, FaultProbe.Budget + FaultProbe.Margin));
        FaultProbe.Report(output, "not Redis (an HTTP answer)", error.Fault, StoreUnavailableAction.Tempfail, answers.Select(a => a.Elapsed));
        OutageAssertions.Logged(loggers, store, StoreUnavailableAction.Tempfail, error.Fault);
    }

    [Fact]
    public async Task A_closed_store_is_a_fault_too_not_an_ObjectDisposedException()
    {
        await using var redis = await StartRedisAsync();
        var store = MilterStore.Create(new MilterStoreOptions { Redis = redis.Configuration });
        Assert.Equal(FaultProbe.Decided, (await FaultProbe.DecideAsync(store)).Verdict);
        await store.DisposeAsync();

        Assert.Equal(MilterStore.UnavailableVerdict, (await FaultProbe.DecideAsync(store)).Verdict);
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.GetAsync("k"));
        FaultProbe.Report(output, "store closed (host stopping)", error.Fault, StoreUnavailableAction.Tempfail, [TimeSpan.Zero]);
    }

    internal static async Task<RedisServer> StartRedisAsync(Func<int, string[]>? arguments = null)
    {
        if (RedisServer.Unavailable() is { } reason)
            Assert.Skip(reason);
        return await RedisServer.StartAsync(arguments);
    }

    internal static string[] Tls(TestCertificates certificates, int port, bool clientCertificates) =>
        ["--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", certificates.ServerCertificate,
         "--tls-key-file", certificates.ServerKey, "--tls-ca-cert-file", certificates.Ca, "--tls-auth-clients", clientCertificates ? "yes" : "no"];
}
