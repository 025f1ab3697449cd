using Milter.Client;
using Milter.Protocol;
using RateLimit;

namespace Milter.Testing.Tests;

/// <summary>The RateLimit sample, in memory: per user, per client, the window, the reply, and one count for all instances.</summary>
public sealed class RateLimitTests : IAsyncDisposable
{
    private readonly StateSamples _samples = new();
    private readonly RateLimitSettings _settings = new() { Window = TimeSpan.FromHours(1), MessagesPerUser = 3, MessagesPerClient = 5 };

    public ValueTask DisposeAsync() => _samples.DisposeAsync();

    private static Task<MilterTestResult> SendAsync(Func<Envelope, Task<MilterTestResult>> instance, string client, string? user = null) =>
        instance(StateSamples.From(client, "a@example.org", "b@example.net", user));

    [Fact]
    public async Task An_authenticated_user_over_the_limit_is_deferred_until_the_window_ends()
    {
        var milter = _samples.Instance<RateLimitFilter>(_settings);
        for (var i = 0; i < 3; i++)
            (await SendAsync(milter, "192.0.2.1", "alice")).AssertAccepted();

        _samples.Clock.Advance(TimeSpan.FromMinutes(10));
        // From another address too: the limit is the user's.
        var over = await SendAsync(milter, "198.51.100.1", "Alice");
        over.AssertTempfailed(451, "4.7.1");
        Assert.Equal(MilterSteps.Mail, over.DecidedAt);
        Assert.Equal(["Rate limit: user alice sent more than 3 messages in 3600 seconds; please try again in 3000 seconds"],
            Assert.IsType<ReplyCodeResponse>(over.Verdict).Reply.Lines);
        (await SendAsync(milter, "192.0.2.1", "bob")).AssertAccepted();

        _samples.Clock.Advance(TimeSpan.FromMinutes(50));
        (await SendAsync(milter, "192.0.2.1", "alice")).AssertAccepted();
    }

    [Fact]
    public async Task A_client_address_over_the_limit_is_deferred_whoever_sends()
    {
        var milter = _samples.Instance<RateLimitFilter>(_settings);
        for (var i = 0; i < 5; i++)
            (await SendAsync(milter, "192.0.2.1", i % 2 == 0 ? null : $"user{i}")).AssertAccepted();

        (await SendAsync(milter, "192.0.2.1")).AssertTempfailed(451, "4.7.1");
        (await SendAsync(milter, "192.0.2.1", "carol")).AssertTempfailed(451, "4.7.1");
        (await SendAsync(milter, "192.0.2.2")).AssertAccepted();
    }

    [Fact]
    public async Task Instances_sharing_the_store_share_the_count()
    {
        Func<Envelope, Task<MilterTestResult>>[] instances = [_samples.Instance<RateLimitFilter>(_settings), _samples.Instance<RateLimitFilter>(_settings), _samples.Instance<RateLimitFilter>(_settings)];

        var accepted = 0;
        for (var i = 0; i < 12; i++)
        {
            if ((await SendAsync(instances[i % 3], "192.0.2.9", "dave")).Accepted)
                accepted++;
        }

        // Three, as one instance would allow; not three each.
        Assert.Equal(3, accepted);
    }
}
