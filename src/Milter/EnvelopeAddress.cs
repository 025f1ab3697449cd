namespace Milter;

/// <summary>An envelope address as the client gave it in MAIL or RCPT, with its ESMTP arguments.</summary>
public abstract record EnvelopeAddress
{
    private protected EnvelopeAddress(string rawAddress, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(rawAddress);
        ArgumentNullException.ThrowIfNull(arguments);
        RawAddress = rawAddress;
        Arguments = arguments;
    }

    /// <summary>The address exactly as sent, normally in angle brackets: <c>&lt;a@example.com&gt;</c>, <c>&lt;&gt;</c> for the null sender.</summary>
    public string RawAddress { get; }

    /// <summary>The address without angle brackets: <c>a@example.com</c>; empty for the null sender.</summary>
    public string Address => RawAddress.Length >= 2 && RawAddress[0] == '<' && RawAddress[^1] == '>' ? RawAddress[1..^1] : RawAddress;

    /// <summary>The ESMTP arguments, one per item (<c>SIZE=1234</c>, <c>NOTIFY=NEVER</c>).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The value of an ESMTP argument (<c>SIZE</c> gives <c>1234</c>), case-insensitive; <see langword="null"/> when absent, empty for a keyword without value.</summary>
    public string? GetArgument(string keyword)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        foreach (var argument in Arguments)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? argument : argument[..equals];
            if (name.Equals(keyword, StringComparison.OrdinalIgnoreCase))
                return equals < 0 ? string.Empty : argument[(equals + 1)..];
        }

        return null;
    }

    /// <summary>The raw address.</summary>
    public sealed override string ToString() => RawAddress;

    /// <inheritdoc />
    public virtual bool Equals(EnvelopeAddress? other) =>
        other is not null && other.GetType() == GetType() && RawAddress == other.RawAddress && Arguments.SequenceEqual(other.Arguments);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(RawAddress, Arguments.Count);
}

/// <summary>The envelope sender (MAIL FROM).</summary>
public sealed record Sender : EnvelopeAddress
{
    /// <summary>Creates a sender from the address as sent and its ESMTP arguments.</summary>
    public Sender(string rawAddress, IReadOnlyList<string>? arguments = null)
        : base(rawAddress, arguments ?? [])
    {
    }

    /// <summary>Whether this is the null sender <c>&lt;&gt;</c> of bounces.</summary>
    public bool IsNullSender => Address.Length == 0;

    /// <inheritdoc />
    public bool Equals(Sender? other) => base.Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>One envelope recipient (RCPT TO).</summary>
public sealed record Recipient : EnvelopeAddress
{
    /// <summary>Creates a recipient from the address as sent and its ESMTP arguments.</summary>
    public Recipient(string rawAddress, IReadOnlyList<string>? arguments = null)
        : base(rawAddress, arguments ?? [])
    {
    }

    /// <inheritdoc />
    public bool Equals(Recipient? other) => base.Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => base.GetHashCode();
}
