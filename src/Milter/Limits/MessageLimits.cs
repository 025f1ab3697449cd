namespace Milter;

/// <summary>
/// Limits on each message, enforced by the runtime before any user code: the most header fields, header bytes,
/// recipients, message bytes and body bytes, each with its own <see cref="LimitVerdict"/>. A limit left
/// <see langword="null"/> (the default) is off; one that is set makes the milter ask the MTA for what it needs to count
/// (docs/message-limits.md says what each costs). Set it on <see cref="MilterSessionOptions.Limits"/>, or bind it from
/// <c>Milter:Limits</c> in the hosted form.
/// </summary>
/// <remarks>
/// Once a limit has decided a message, the handler is not called for that message again but for its abort (and, at
/// the end of the SMTP connection, its close); a limit on recipients refuses only the recipients past it.
/// </remarks>
public sealed record MessageLimits
{
    /// <summary>The most header fields a message may have, the MTA's own (Postfix's Received:) included.</summary>
    public int? MaxHeaders { get; set; }

    /// <summary>What happens past <see cref="MaxHeaders"/>; by default a reject with <c>552 5.6.0</c>.</summary>
    public LimitVerdict MaxHeadersVerdict { get; set; } = new();

    /// <summary>The most bytes the header section may take (each field as <c>Name: value</c> and CRLF, folded lines with CRLF).</summary>
    public long? MaxHeaderBytes { get; set; }

    /// <summary>What happens past <see cref="MaxHeaderBytes"/>; by default a reject with <c>552 5.6.0</c>.</summary>
    public LimitVerdict MaxHeaderBytesVerdict { get; set; } = new();

    /// <summary>The most recipients a message may have: those the MTA and the handler accepted count; the ones past it are refused at RCPT.</summary>
    public int? MaxRecipients { get; set; }

    /// <summary>What happens to each recipient past <see cref="MaxRecipients"/>; by default <c>452 4.5.3</c>, which the client retries in a later transaction.</summary>
    public LimitVerdict MaxRecipientsVerdict { get; set; } = new();

    /// <summary>
    /// The most bytes the message may have, headers (the MTA's own included), the blank line and body in CRLF form. A
    /// larger <c>SIZE=</c> on MAIL is refused at MAIL; the bytes themselves are counted as they arrive.
    /// </summary>
    public long? MaxMessageSize { get; set; }

    /// <summary>What happens past <see cref="MaxMessageSize"/>; by default a reject with <c>552 5.3.4</c>.</summary>
    public LimitVerdict MaxMessageSizeVerdict { get; set; } = new();

    /// <summary>The most bytes the body may have (CRLF line ends, as the MTA sends it).</summary>
    public long? MaxBodyBytes { get; set; }

    /// <summary>What happens past <see cref="MaxBodyBytes"/>; by default a reject with <c>552 5.3.4</c>.</summary>
    public LimitVerdict MaxBodyBytesVerdict { get; set; } = new();

    /// <summary>Whether any limit is set.</summary>
    public bool HasAny => MaxHeaders is not null || MaxHeaderBytes is not null || MaxRecipients is not null || MaxMessageSize is not null
        || MaxBodyBytes is not null;

    /// <summary>
    /// What is wrong with these limits, one sentence each naming the setting as <paramref name="prefix"/> + its name (for
    /// configuration, <c>Milter:Limits:</c>); empty when they are sound.
    /// </summary>
    public IReadOnlyList<string> Validate(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var problems = new List<string>();
        Check(problems, prefix, nameof(MaxHeaders), MaxHeaders, MaxHeadersVerdict);
        Check(problems, prefix, nameof(MaxHeaderBytes), MaxHeaderBytes, MaxHeaderBytesVerdict);
        Check(problems, prefix, nameof(MaxRecipients), MaxRecipients, MaxRecipientsVerdict);
        Check(problems, prefix, nameof(MaxMessageSize), MaxMessageSize, MaxMessageSizeVerdict);
        Check(problems, prefix, nameof(MaxBodyBytes), MaxBodyBytes, MaxBodyBytesVerdict);
        return problems;
    }

    private static void Check(List<string> problems, string prefix, string name, long? limit, LimitVerdict? verdict)
    {
        if (limit is <= 0)
            problems.Add($"{prefix}{name} must be positive (or unset to turn it off); it is {limit}.");
        if (verdict is null)
            problems.Add($"{prefix}{name}Verdict must be set.");
        else if (verdict.Problem() is { } problem)
            problems.Add($"{prefix}{name}Verdict: {problem}");
    }
}
