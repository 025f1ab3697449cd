using Milter.Protocol;

namespace Milter;

/// <summary>An envelope address as the client gave it in MAIL or RCPT, with its ESMTP arguments.</summary>
public abstract record EnvelopeAddress
{
    // Each form is made at most once, when first read: a filter that reads Address (as most do, and often more than
    // once) pays for one string per address, not for the raw form and a substring at each read.
    private string? _raw;
    private string? _address;

    private protected EnvelopeAddress(string rawAddress, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(rawAddress);
        ArgumentNullException.ThrowIfNull(arguments);
        _raw = rawAddress;
        Arguments = arguments;
    }

    /// <summary>An address from the MTA's bytes; the common form in angle brackets is decoded without them.</summary>
    private protected EnvelopeAddress(ReadOnlySpan<byte> wire, IReadOnlyList<string> arguments)
    {
        if (wire.Length >= 2 && wire[0] == (byte)'<' && wire[^1] == (byte)'>')
            _address = WireText.Decode(wire[1..^1]);
        else
            _raw = WireText.Decode(wire);
        Arguments = arguments;
    }

    /// <summary>The address exactly as sent, normally in angle brackets: <c>&lt;a@example.com&gt;</c>, <c>&lt;&gt;</c> for the null sender.</summary>
    public string RawAddress => _raw ??= "<" + _address + ">";

    /// <summary>The address without angle brackets: <c>a@example.com</c>; empty for the null sender.</summary>
    public string Address => _address ??= _raw!.Length >= 2 && _raw[0] == '<' && _raw[^1] == '>' ? _raw[1..^1] : _raw;

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

    /// <summary>A sender from the MTA's bytes.</summary>
    internal Sender(ReadOnlySpan<byte> wire, IReadOnlyList<string> arguments)
        : base(wire, arguments)
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

    /// <summary>A recipient from the MTA's bytes.</summary>
    internal Recipient(ReadOnlySpan<byte> wire, IReadOnlyList<string> arguments)
        : base(wire, arguments)
    {
    }

    /// <inheritdoc />
    public bool Equals(Recipient? other) => base.Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => base.GetHashCode();
}
