using Greylist;
using Milter.Client;
using Milter.Protocol;
using Milter.State;

namespace Milter.Testing.Tests;

/// <summary>The Greylist sample, in memory: the delay, the retry time in the reply, the whitelists, and a decision shared by instances.</summary>
public sealed class GreylistTests : IAsyncDisposable
{
    private readonly StateSamples _samples = new();
    private readonly GreylistSettings _settings = new() { Delay = TimeSpan.FromMinutes(5), WhitelistedNetworks = { "10.0.0.0/8" } };

    public ValueTask DisposeAsync() => _samples.DisposeAsync();

    private static Task<MilterTestResult> SendAsync(Func<Envelope, Task<MilterTestResult>> instance, string client = "192.0.2.77", string sender = "a@example.org",
        string recipient = "b@example.net", string? user = null) => instance(StateSamples.From(client, sender, recipient, user));

    private static string Reply(MilterTestResult result) => string.Join(" / ", Assert.IsType<ReplyCodeResponse>(result.Verdict).Reply.Lines);

    [Fact]
    public async Task A_first_attempt_waits_for_the_delay_and_is_told_how_long()
    {
        var milter = _samples.Instance<GreylistFilter>(_settings);

        var first = await SendAsync(milter);
        first.AssertTempfailed(451, "4.7.1");
        Assert.Equal("Greylisted, please try again in 300 seconds", Reply(first));
        Assert.Equal(MilterSteps.Rcpt, first.DecidedAt);

        _samples.Clock.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal("Greylisted, please try again in 100 seconds", Reply(await SendAsync(milter)));

        _samples.Clock.Advance(TimeSpan.FromSeconds(100));
        (await SendAsync(milter)).AssertAccepted();
    }

    [Fact]
    public async Task A_triplet_that_passed_passes_at_once_for_weeks_after()
    {
        var milter = _samples.Instance<GreylistFilter>(_settings);
        await SendAsync(milter);
        _samples.Clock.Advance(_settings.Delay);
        (await SendAsync(milter)).AssertAccepted();

        // Long after the first attempt was forgotten (the retry window), the pass is still remembered.
        _samples.Clock.Advance(TimeSpan.FromDays(30));
        (await SendAsync(milter, client: "192.0.2.200")).AssertAccepted();
        _samples.Clock.Advance(TimeSpan.FromDays(6));
        (await SendAsync(milter)).AssertTempfailed(451, "4.7.1");
    }

    [Fact]
    public async Task Each_part_of_the_triplet_counts_but_the_client_counts_by_network()
    {
        var milter = _samples.Instance<GreylistFilter>(_settings);
        await SendAsync(milter);
        _samples.Clock.Advance(_settings.Delay);

        // Another address of the same /24 retries the same triplet: a sender's pool of outgoing servers.
        (await SendAsync(milter, client: "192.0.2.5")).AssertAccepted();
        (await SendAsync(milter, client: "198.51.100.77")).AssertTempfailed(451, "4.7.1");
        (await SendAsync(milter, sender: "other@example.org")).AssertTempfailed(451, "4.7.1");
        (await SendAsync(milter, recipient: "other@example.net")).AssertTempfailed(451, "4.7.1");
        (await SendAsync(milter, client: "2001:db8:1:2::7")).AssertTempfailed(451, "4.7.1");
    }

    [Fact]
    public async Task Whitelisted_networks_and_authenticated_users_are_never_greylisted()
    {
        var milter = _samples.Instance<GreylistFilter>(_settings);

        (await SendAsync(milter, client: "10.1.2.3")).AssertAccepted();
        (await SendAsync(milter, user: "alice")).AssertAccepted();
        (await SendAsync(milter)).AssertTempfailed(451, "4.7.1");
    }

    [Fact]
    public async Task The_retry_may_land_on_another_instance()
    {
        var first = _samples.Instance<GreylistFilter>(_settings);
        var second = _samples.Instance<GreylistFilter>(_settings);

        (await SendAsync(first)).AssertTempfailed(451, "4.7.1");
        _samples.Clock.Advance(TimeSpan.FromSeconds(120));
        // The second instance counts from the first instance's attempt, not from its own.
        Assert.Equal("Greylisted, please try again in 180 seconds", Reply(await SendAsync(second)));
        _samples.Clock.Advance(TimeSpan.FromSeconds(180));
        (await SendAsync(second)).AssertAccepted();
        (await SendAsync(first)).AssertAccepted();
    }

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task Without_its_store_it_fails_closed_unless_told_to_fail_open(StoreUnavailableAction action)
    {
        var store = _samples.Store(new MilterStoreOptions { Redis = "127.0.0.1:1", Timeout = TimeSpan.FromMilliseconds(300), WhenUnavailable = action });
        var milter = _samples.Instance<GreylistFilter>(_settings, store);

        var result = await SendAsync(milter);

        if (action == StoreUnavailableAction.Tempfail)
        {
            result.AssertTempfailed(451, "4.3.0");
            Assert.Equal("Policy store unavailable, try again later", Reply(result));
        }
        else
        {
            result.AssertAccepted();
        }
    }
}
