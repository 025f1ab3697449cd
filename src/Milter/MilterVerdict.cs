using Milter.Protocol;

namespace Milter;

/// <summary>What a handler decides at a step: go on, accept, reject, fail temporarily, discard, skip the body, or reply with a custom SMTP reply.</summary>
public enum MilterVerdictKind
{
    /// <summary>Go on with the next step (SMFIS_CONTINUE). At end of message it means accept.</summary>
    Continue,

    /// <summary>Accept: stop filtering this message, or the whole connection at connect/HELO (SMFIS_ACCEPT).</summary>
    Accept,

    /// <summary>Reject with the MTA's default 5xx (SMFIS_REJECT). At RCPT only that recipient.</summary>
    Reject,

    /// <summary>Fail temporarily with the MTA's default 4xx (SMFIS_TEMPFAIL). At RCPT only that recipient.</summary>
    Tempfail,

    /// <summary>Accept the message and silently drop it (SMFIS_DISCARD). Not at connect or HELO.</summary>
    Discard,

    /// <summary>Skip the rest of the body (SMFIS_SKIP). Only from the body handler.</summary>
    Skip,

    /// <summary>Reject or fail temporarily with a custom SMTP reply; the code's first digit decides which.</summary>
    Reply,
}

/// <summary>
/// A handler's decision at one step. Use the static members: <see cref="Continue"/>, <see cref="Accept"/>,
/// <see cref="Reject()"/>, <see cref="Tempfail()"/>, <see cref="Discard"/>, <see cref="Skip"/>, or
/// <see cref="Reject(int, string?, string[])"/> and <see cref="Tempfail(int, string?, string[])"/> for a custom reply.
/// </summary>
public readonly struct MilterVerdict : IEquatable<MilterVerdict>
{
    private MilterVerdict(MilterVerdictKind kind, SmtpReply? reply)
    {
        Kind = kind;
        Reply = reply;
    }

    /// <summary>The kind of decision.</summary>
    public MilterVerdictKind Kind { get; }

    /// <summary>Whether the protocol lets a handler answer this at <paramref name="step"/>: SKIP only in the body, DISCARD not before MAIL.</summary>
    internal bool IsAllowedAt(MilterSteps step) => Kind switch
    {
        MilterVerdictKind.Skip => step == MilterSteps.Body,
        MilterVerdictKind.Discard => step is not (MilterSteps.Connect or MilterSteps.Helo),
        _ => true,
    };

    /// <summary>The custom reply, for <see cref="MilterVerdictKind.Reply"/>.</summary>
    public SmtpReply? Reply { get; }

    /// <summary>Go on (the default when a handler decides nothing).</summary>
    public static MilterVerdict Continue => default;

    /// <summary>Accept without further filtering.</summary>
    public static MilterVerdict Accept => new(MilterVerdictKind.Accept, null);

    /// <summary>Accept the message and silently drop it.</summary>
    public static MilterVerdict Discard => new(MilterVerdictKind.Discard, null);

    /// <summary>Skip the rest of the body; only from the body handler.</summary>
    public static MilterVerdict Skip => new(MilterVerdictKind.Skip, null);

    /// <summary>Reject with the MTA's default 5xx text.</summary>
    public static MilterVerdict Reject() => new(MilterVerdictKind.Reject, null);

    /// <summary>Fail temporarily with the MTA's default 4xx text.</summary>
    public static MilterVerdict Tempfail() => new(MilterVerdictKind.Tempfail, null);

    /// <summary>Reject with a custom 5xx reply of one or more lines.</summary>
    /// <exception cref="ArgumentException">The code is not 5xx or the reply breaks a rule of <see cref="SmtpReply.Create"/>.</exception>
    public static MilterVerdict Reject(int code, string? extendedCode, params string[] lines)
    {
        if (code / 100 != 5)
            throw new ArgumentException($"A reject needs a 5xx code; {code} is a temporary failure code. Use Tempfail for 4xx.", nameof(code));
        return new(MilterVerdictKind.Reply, SmtpReply.Create(code, extendedCode, lines));
    }

    /// <summary>Fail temporarily with a custom 4xx reply of one or more lines (421 also closes the SMTP session).</summary>
    /// <exception cref="ArgumentException">The code is not 4xx or the reply breaks a rule of <see cref="SmtpReply.Create"/>.</exception>
    public static MilterVerdict Tempfail(int code, string? extendedCode, params string[] lines)
    {
        if (code / 100 != 4)
            throw new ArgumentException($"A temporary failure needs a 4xx code; {code} is a permanent failure code. Use Reject for 5xx.", nameof(code));
        return new(MilterVerdictKind.Reply, SmtpReply.Create(code, extendedCode, lines));
    }

    /// <summary>Reply with a prepared SMTP reply: a reject for 5xx, a temporary failure for 4xx.</summary>
    public static MilterVerdict WithReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new(MilterVerdictKind.Reply, reply);
    }

    /// <summary>Whether this verdict ends the message (or the connection at connect/HELO) for this milter.</summary>
    public bool IsFinal => Kind is not (MilterVerdictKind.Continue or MilterVerdictKind.Skip);

    /// <summary>The response the MTA receives for this verdict.</summary>
    public MilterResponseCode ResponseCode => Kind switch
    {
        MilterVerdictKind.Continue => MilterResponseCode.Continue,
        MilterVerdictKind.Accept => MilterResponseCode.Accept,
        MilterVerdictKind.Reject => MilterResponseCode.Reject,
        MilterVerdictKind.Tempfail => MilterResponseCode.Tempfail,
        MilterVerdictKind.Discard => MilterResponseCode.Discard,
        MilterVerdictKind.Skip => MilterResponseCode.Skip,
        _ => MilterResponseCode.ReplyCode,
    };

    /// <inheritdoc />
    public bool Equals(MilterVerdict other) => Kind == other.Kind && Equals(Reply, other.Reply);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MilterVerdict other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Reply);

    /// <summary>Compares two verdicts.</summary>
    public static bool operator ==(MilterVerdict left, MilterVerdict right) => left.Equals(right);

    /// <summary>Compares two verdicts.</summary>
    public static bool operator !=(MilterVerdict left, MilterVerdict right) => !left.Equals(right);

    /// <summary>The kind, and the reply when there is one.</summary>
    public override string ToString() => Reply is null ? Kind.ToString() : $"{Kind} {Reply}";
}
