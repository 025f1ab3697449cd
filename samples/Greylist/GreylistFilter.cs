using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Milter;
using Milter.State;

namespace Greylist;

/// <summary>
/// Greylisting per recipient. The first attempt of a triplet (client network, sender, recipient) is deferred with
/// 451 4.7.1 and the seconds to wait; once the delay has passed, the retry goes through and the triplet is remembered
/// as passed. Whitelisted networks and authenticated clients are never greylisted. With a shared store, the retry may
/// land on any instance and is judged by the same first attempt, timed by the store's clock: an instance whose own
/// clock is ahead would otherwise let a retry through early.
/// </summary>
[MailFilter("greylist")]
public partial class GreylistFilter(MilterStore store, GreylistSettings settings, ILogger<GreylistFilter> log)
{
    private const string PassedSet = "greylist:passed";
    private IPAddress? _client;
    private string _sender = string.Empty;
    private string? _user;

    [OnConnect]
    public void Connect(ConnectionInfo client) => _client = client.IPAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : client.IPAddress;

    [OnMail]
    public void Mail(Sender sender, [Macro("{auth_authen}")] string? user)
    {
        _sender = sender.Address.ToLowerInvariant();
        _user = user;
    }

    [OnRcpt]
    public ValueTask<MilterVerdict> Rcpt(Recipient recipient, CancellationToken cancellationToken)
    {
        // Mail submitted on this machine (no client address), by an authenticated user or from a whitelisted network.
        if (_client is null || _user is not null || settings.IsWhitelisted(_client))
            return ValueTask.FromResult(MilterVerdict.Continue);
        var triplet = $"{settings.NetworkOf(_client)} {_sender} {recipient.Address.ToLowerInvariant()}";
        return store.DecideAsync(token => DecideAsync(triplet, token), cancellationToken);
    }

    private async ValueTask<MilterVerdict> DecideAsync(string triplet, CancellationToken cancellationToken)
    {
        if (await store.SetContainsAsync(PassedSet, triplet, cancellationToken).ConfigureAwait(false))
            return MilterVerdict.Continue;

        // Compared with a time another instance may have written: the store's clock, the one they share.
        var now = await store.GetTimeAsync(cancellationToken).ConfigureAwait(false);
        var key = "greylist:seen:" + triplet;
        var firstSeen = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (firstSeen is null)
        {
            var stamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            // Instances racing on a new triplet: one stores its time, the others read it back, so all count from one first attempt.
            firstSeen = await store.CompareAndSetAsync(key, null, stamp, settings.RetryWindow, cancellationToken).ConfigureAwait(false)
                ? stamp
                : await store.GetAsync(key, cancellationToken).ConfigureAwait(false) ?? stamp;
        }

        var waited = now - DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(firstSeen, CultureInfo.InvariantCulture));
        if (waited < settings.Delay)
        {
            var seconds = (long)Math.Ceiling((settings.Delay - waited).TotalSeconds);
            Log.Greylisted(log, triplet, seconds);
            return MilterVerdict.Tempfail(451, "4.7.1", $"Greylisted, please try again in {seconds} seconds");
        }

        await store.AddToSetAsync(PassedSet, triplet, settings.PassedLifetime, cancellationToken).ConfigureAwait(false);
        Log.Passed(log, triplet, (long)waited.TotalSeconds);
        return MilterVerdict.Continue;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Greylisted {Triplet}: {Seconds} s to wait")]
        public static partial void Greylisted(ILogger logger, string triplet, long seconds);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Passed {Triplet}, first seen {Seconds} s ago")]
        public static partial void Passed(ILogger logger, string triplet, long seconds);
    }
}
