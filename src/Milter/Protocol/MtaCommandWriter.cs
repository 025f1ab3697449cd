using System.Buffers;

namespace Milter.Protocol;

/// <summary>
/// Writes MTA-to-milter packets: what Postfix and Sendmail send. Used by the milter client and by tests;
/// shares its framing with <see cref="MilterResponseWriter"/>.
/// </summary>
public static class MtaCommandWriter
{
    /// <summary>The largest BODY chunk an MTA sends (MILTER_CHUNK_SIZE).</summary>
    public const int BodyChunkLength = 65535;

    /// <summary>Writes a command without a payload: ABORT, EOH, DATA, QUIT, QUIT_NC, or an empty BODYEOB.</summary>
    /// <exception cref="ArgumentException"><paramref name="command"/> is a command that carries a payload.</exception>
    public static void WriteSimple(IBufferWriter<byte> writer, MilterCommandCode command)
    {
        if (command is not (MilterCommandCode.Abort or MilterCommandCode.EndOfHeaders or MilterCommandCode.Data
            or MilterCommandCode.Quit or MilterCommandCode.QuitNewConnection or MilterCommandCode.EndOfBody))
        {
            throw new ArgumentException($"Command {MilterFrame.Describe((byte)command)} carries a payload; use its own Write method.", nameof(command));
        }

        PacketBuilder.Start(writer, (byte)command).Commit();
    }

    /// <summary>Writes MACRO: the macros for <paramref name="forCommand"/>, in order. An empty list still writes the packet, as Postfix does.</summary>
    public static void WriteMacros(IBufferWriter<byte> writer, byte forCommand, IEnumerable<KeyValuePair<string, string>> macros)
    {
        ArgumentNullException.ThrowIfNull(macros);
        var list = macros as IReadOnlyCollection<KeyValuePair<string, string>> ?? macros.ToList();
        var bound = 1;
        foreach (var (name, value) in list)
            bound += PacketBuilder.CStringBound(name) + PacketBuilder.CStringBound(value);
        var packet = PacketBuilder.Start(writer, (byte)MilterCommandCode.Macro, bound);
        packet.WriteByte(forCommand);
        foreach (var (name, value) in list)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(macros));
            packet.WriteCString(name, "macro name");
            packet.WriteCString(value ?? string.Empty, "macro value");
        }

        packet.Commit();
    }

    /// <summary>Writes CONNECT. For <see cref="ConnectionFamily.Unknown"/> the port and address are left out, as both MTAs do.</summary>
    public static void WriteConnect(IBufferWriter<byte> writer, string hostName, ConnectionFamily family, ushort port, string? address)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        var packet = PacketBuilder.Start(writer, (byte)MilterCommandCode.Connect, PacketBuilder.CStringBound(hostName) + 3 + PacketBuilder.CStringBound(address));
        packet.WriteCString(hostName, nameof(hostName));
        packet.WriteByte((byte)family);
        if (family != ConnectionFamily.Unknown)
        {
            packet.WriteUInt16(port);
            packet.WriteCString(address ?? string.Empty, nameof(address));
        }

        packet.Commit();
    }

    /// <summary>Writes HELO with the HELO/EHLO argument.</summary>
    public static void WriteHelo(IBufferWriter<byte> writer, string name) => WriteText(writer, MilterCommandCode.Helo, name);

    /// <summary>Writes UNKNOWN with the unrecognised SMTP command line.</summary>
    public static void WriteUnknown(IBufferWriter<byte> writer, string commandLine) => WriteText(writer, MilterCommandCode.Unknown, commandLine);

    /// <summary>Writes MAIL: the sender as the client gave it, then each ESMTP argument as its own string.</summary>
    public static void WriteMail(IBufferWriter<byte> writer, string sender, IReadOnlyList<string>? arguments = null) =>
        WriteEnvelope(writer, MilterCommandCode.Mail, sender, arguments);

    /// <summary>Writes RCPT: the recipient as the client gave it, then each ESMTP argument as its own string.</summary>
    public static void WriteRcpt(IBufferWriter<byte> writer, string recipient, IReadOnlyList<string>? arguments = null) =>
        WriteEnvelope(writer, MilterCommandCode.Rcpt, recipient, arguments);

    /// <summary>Writes HEADER: one field's name and value.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var packet = PacketBuilder.Start(writer, (byte)MilterCommandCode.Header, PacketBuilder.CStringBound(name) + PacketBuilder.CStringBound(value));
        packet.WriteCString(name, nameof(name));
        packet.WriteCString(value, nameof(value));
        packet.Commit();
    }

    /// <summary>Writes the body as BODY packets of at most <paramref name="chunkLength"/> bytes. An empty body writes nothing, as both MTAs do.</summary>
    public static void WriteBody(IBufferWriter<byte> writer, ReadOnlySpan<byte> body, int chunkLength = BodyChunkLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkLength, BodyChunkLength);
        while (!body.IsEmpty)
        {
            var chunk = body[..Math.Min(body.Length, chunkLength)];
            var packet = PacketBuilder.Start(writer, (byte)MilterCommandCode.Body, chunk.Length);
            packet.WriteBytes(chunk);
            packet.Commit();
            body = body[chunk.Length..];
        }
    }

    private static void WriteText(IBufferWriter<byte> writer, MilterCommandCode command, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var packet = PacketBuilder.Start(writer, (byte)command, PacketBuilder.CStringBound(text));
        packet.WriteCString(text, nameof(text));
        packet.Commit();
    }

    private static void WriteEnvelope(IBufferWriter<byte> writer, MilterCommandCode command, string address, IReadOnlyList<string>? arguments)
    {
        ArgumentNullException.ThrowIfNull(address);
        arguments ??= [];
        var bound = PacketBuilder.CStringBound(address);
        foreach (var argument in arguments)
            bound += PacketBuilder.CStringBound(argument);
        var packet = PacketBuilder.Start(writer, (byte)command, bound);
        packet.WriteCString(address, nameof(address));
        foreach (var argument in arguments)
            packet.WriteCString(argument, nameof(arguments));
        packet.Commit();
    }
}
