namespace Milter.Protocol;

/// <summary>
/// The MAIL or RCPT command: the address as the client gave it (normally with angle brackets), then one
/// string per ESMTP argument (<c>SIZE=1234</c>). Enumerate <see cref="Arguments"/> for the arguments.
/// </summary>
public readonly struct EnvelopeCommand
{
    private EnvelopeCommand(ReadOnlyMemory<byte> address, ReadOnlyMemory<byte> arguments)
    {
        Address = address;
        Arguments = new CStringList(arguments);
    }

    /// <summary>The address, e.g. <c>&lt;a@example.com&gt;</c>, or <c>&lt;&gt;</c> for the null sender.</summary>
    public ReadOnlyMemory<byte> Address { get; }

    /// <summary>The ESMTP arguments, one string each.</summary>
    public CStringList Arguments { get; }

    /// <summary>The address as a string.</summary>
    public string GetAddress() => WireText.Decode(Address.Span);

    /// <summary>The ESMTP arguments as strings.</summary>
    public string[] GetArguments() => Arguments.ToStringArray();

    /// <summary>Parses a MAIL or RCPT payload.</summary>
    /// <exception cref="MilterProtocolException">The address is missing or a string is not NUL-terminated.</exception>
    public static EnvelopeCommand Parse(ReadOnlyMemory<byte> payload, MilterCommandCode command = MilterCommandCode.Mail)
    {
        var name = command == MilterCommandCode.Rcpt ? "RCPT" : "MAIL";
        var reader = new PayloadReader(payload, name);
        var address = reader.ReadCString("address");
        var rest = reader.Rest;
        if (!rest.IsEmpty && rest.Span[^1] != 0)
            throw reader.Error($"{name}: the last ESMTP argument is not NUL-terminated.");
        return new EnvelopeCommand(address, rest);
    }
}
