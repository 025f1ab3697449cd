using System.Globalization;
using Microsoft.Extensions.Logging;
using Milter;
using Milter.State;

namespace RateLimit;

/// <summary>
/// Counts each message at MAIL FROM against its authenticated user and its client address. Over either limit, the
/// message is deferred with 451 4.7.1 and the seconds until the window ends, so the sending MTA retries then. With a
/// shared store, every instance counts into the same counters.
/// </summary>
[MailFilter("rate-limit")]
public partial class RateLimitFilter(MilterStore store, RateLimitSettings settings, TimeProvider clock, ILogger<RateLimitFilter> log)
{
    private string? _client;

    [OnConnect]
    public void Connect(ConnectionInfo client) =>
        _client = (client.IPAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : client.IPAddress)?.ToString();

    [OnMail]
    public ValueTask<MilterVerdict> Mail([Macro("{auth_authen}")] string? user, CancellationToken cancellationToken) =>
        store.DecideAsync(token => CountAsync(user?.ToLowerInvariant(), token), cancellationToken);

    private async ValueTask<MilterVerdict> CountAsync(string? user, CancellationToken cancellationToken)
    {
        if (user is not null && settings.MessagesPerUser > 0)
        {
            var counter = await store.IncrementAsync("ratelimit:user:" + user, settings.Window, cancellationToken).ConfigureAwait(false);
            if (counter.Count > settings.MessagesPerUser)
                return OverLimit("user " + user, settings.MessagesPerUser, counter);
        }

        if (_client is not null && settings.MessagesPerClient > 0)
        {
            var counter = await store.IncrementAsync("ratelimit:client:" + _client, settings.Window, cancellationToken).ConfigureAwait(false);
            if (counter.Count > settings.MessagesPerClient)
                return OverLimit("client " + _client, settings.MessagesPerClient, counter);
        }

        return MilterVerdict.Continue;
    }

    private MilterVerdict OverLimit(string who, long limit, StoreCounter counter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling((counter.ExpiresAt - clock.GetUtcNow()).TotalSeconds));
        Log.OverLimit(log, who, counter.Count, limit);
        var window = ((long)settings.Window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return MilterVerdict.Tempfail(451, "4.7.1", $"Rate limit: {who} sent more than {limit} messages in {window} seconds; please try again in {seconds} seconds");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Over the limit: {Who}, message {Count} of at most {Limit}")]
        public static partial void OverLimit(ILogger logger, string who, long count, long limit);
    }
}
