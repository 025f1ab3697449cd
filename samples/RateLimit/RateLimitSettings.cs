namespace RateLimit;

/// <summary>The limits, from the "RateLimit" configuration section. A limit of 0 is no limit.</summary>
public sealed class RateLimitSettings
{
    /// <summary>The window the limits count in; it starts at a user's or a client's first message.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Messages one authenticated user ({auth_authen}) may send in a window, from any address.</summary>
    public long MessagesPerUser { get; set; } = 100;

    /// <summary>Messages one client address may send in a window, authenticated or not.</summary>
    public long MessagesPerClient { get; set; } = 200;
}
