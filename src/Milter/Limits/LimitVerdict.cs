using System.Globalization;
using Milter.Protocol;

namespace Milter;

/// <summary>What a message limit does when a message goes past it.</summary>
public enum LimitAction
{
    /// <summary>Refuse with an SMTP reply: the limit's own (for example <c>552 5.3.4</c>) unless <see cref="LimitVerdict.Reply"/> gives one.</summary>
    Reject,

    /// <summary>Refuse temporarily with a 4xx reply, so the sender keeps the message and retries.</summary>
    Tempfail,

    /// <summary>Accept the message (at RCPT: the recipient and the rest of the message) without further filtering by this milter.</summary>
    Accept,
}

/// <summary>
/// The verdict of one message limit: reject with a reply code and text, tempfail, or accept and stop filtering. Settable,
/// so it binds from configuration (<c>{ "Action": "Reject", "Reply": "552 5.3.4 Message too big" }</c>).
/// </summary>
public sealed record LimitVerdict
{
    /// <summary>What to do; <see cref="LimitAction.Reject"/> unless set.</summary>
    public LimitAction Action { get; set; }

    /// <summary>
    /// The SMTP reply, one line: a code, an optional RFC 3463 status code whose class matches, and text, such as
    /// <c>552 5.3.4 Message too big for this site</c>. A reject takes a 5xx code, or a 4xx one where the refusal is
    /// meant to be retried (452 for too many recipients, RFC 5321 §4.5.3.1.10); a tempfail takes a 4xx code. An
    /// accept has none. <see langword="null"/> (the default) uses the limit's own reply, which names the limit.
    /// </summary>
    public string? Reply { get; set; }

    /// <summary>Reject with <paramref name="reply"/>, or with the limit's own reply.</summary>
    public static LimitVerdict Reject(string? reply = null) => new() { Action = LimitAction.Reject, Reply = reply };

    /// <summary>Fail temporarily with <paramref name="reply"/> (4xx), or with the limit's own temporary reply.</summary>
    public static LimitVerdict Tempfail(string? reply = null) => new() { Action = LimitAction.Tempfail, Reply = reply };

    /// <summary>Accept without further filtering.</summary>
    public static LimitVerdict Accept() => new() { Action = LimitAction.Accept };

    /// <summary>What is wrong with this verdict, or <see langword="null"/> when it is sound.</summary>
    internal string? Problem()
    {
        if (!Enum.IsDefined(Action))
            return $"the action must be Reject, Tempfail or Accept; it is {Action}.";
        if (Reply is null)
            return null;
        if (Action == LimitAction.Accept)
            return "an Accept has no reply; remove Reply or use Reject or Tempfail.";
        if (!TryParseReply(Reply, out var reply, out var problem))
            return problem;
        if (Action == LimitAction.Tempfail && reply.IsPermanent)
            return $"a Tempfail needs a 4xx reply; \"{Reply}\" is permanent.";
        return null;
    }

    /// <summary>The verdict sent to the MTA; <paramref name="ownReply"/> is the limit's reply for this action when none is given.</summary>
    internal MilterVerdict ToMilterVerdict(Func<LimitAction, SmtpReply> ownReply) => Action switch
    {
        LimitAction.Accept => MilterVerdict.Accept,
        _ when Reply is null => MilterVerdict.WithReply(ownReply(Action)),
        _ => TryParseReply(Reply, out var reply, out var problem) ? MilterVerdict.WithReply(reply) : throw new ArgumentException(problem),
    };

    /// <summary>Parses <c>CODE [x.y.z] text</c> into a validated reply.</summary>
    private static bool TryParseReply(string text, out SmtpReply reply, out string problem)
    {
        reply = null!;
        problem = string.Empty;
        var parts = text.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[0].Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            problem = $"the reply \"{text}\" must be a 3-digit code, an optional status code and text, e.g. \"552 5.3.4 Message too big\".";
            return false;
        }

        var hasStatus = parts[1].Length >= 5 && char.IsAsciiDigit(parts[1][0]) && parts[1][1] == '.';
        var status = hasStatus ? parts[1] : null;
        var rest = hasStatus ? (parts.Length == 3 ? parts[2] : "") : string.Join(' ', parts.Skip(1));
        if (rest.Length == 0)
        {
            problem = $"the reply \"{text}\" has no text after its codes.";
            return false;
        }

        try
        {
            reply = SmtpReply.Create(code, status, rest);
            return true;
        }
        catch (ArgumentException e)
        {
            problem = $"the reply \"{text}\" is not valid: {e.Message.Split(" (Parameter", 2)[0]}";
            return false;
        }
    }
}
