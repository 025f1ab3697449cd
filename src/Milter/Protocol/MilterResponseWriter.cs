using System.Buffers;

namespace Milter.Protocol;

/// <summary>
/// Writes milter-to-MTA packets. Every method writes whole packets or nothing, and never a payload over
/// 65535 bytes: <see cref="WriteReplaceBody"/> splits a large body into several packets.
/// </summary>
public static class MilterResponseWriter
{
    /// <summary>The largest REPLBODY piece (MILTER_CHUNK_SIZE).</summary>
    public const int BodyChunkLength = 65535;

    /// <summary>Writes a response that has no payload: accept, continue, discard, reject, tempfail, skip, progress, shutdown or connection failure.</summary>
    /// <exception cref="ArgumentException"><paramref name="code"/> is a response that carries a payload.</exception>
    public static void WriteSimple(IBufferWriter<byte> writer, MilterResponseCode code)
    {
        if (!HasNoPayload(code))
            throw new ArgumentException($"Response {MilterFrame.Describe((byte)code)} carries a payload; use its own Write method.", nameof(code));
        PacketBuilder.Start(writer, (byte)code).Commit();
    }

    /// <summary>Writes ADDHEADER: append a header at the end of the headers.</summary>
    public static void WriteAddHeader(IBufferWriter<byte> writer, string name, string value)
    {
        ValidateHeaderName(name);
        ArgumentNullException.ThrowIfNull(value);
        var packet = PacketBuilder.Start(writer, (byte)MilterResponseCode.AddHeader, PacketBuilder.CStringBound(name) + PacketBuilder.CStringBound(value));
        packet.WriteCString(name, nameof(name));
        packet.WriteCString(value, nameof(value));
        packet.Commit();
    }

    /// <summary>Writes INSHEADER: insert a header at a 0-based position in the whole header list (0 = the very top).</summary>
    public static void WriteInsertHeader(IBufferWriter<byte> writer, uint index, string name, string value) =>
        WriteIndexedHeader(writer, MilterResponseCode.InsertHeader, index, name, value);

    /// <summary>Writes CHGHEADER: change the <paramref name="index"/>-th (1-based) header named <paramref name="name"/>; an empty value deletes it.</summary>
    public static void WriteChangeHeader(IBufferWriter<byte> writer, uint index, string name, string value) =>
        WriteIndexedHeader(writer, MilterResponseCode.ChangeHeader, index, name, value);

    /// <summary>Writes ADDRCPT: add a recipient.</summary>
    public static void WriteAddRecipient(IBufferWriter<byte> writer, string recipient) =>
        WriteAddress(writer, MilterResponseCode.AddRecipient, recipient, null);

    /// <summary>Writes ADDRCPT_PAR: add a recipient with ESMTP arguments (one string, space-separated).</summary>
    public static void WriteAddRecipientWithParameters(IBufferWriter<byte> writer, string recipient, string? parameters) =>
        WriteAddress(writer, MilterResponseCode.AddRecipientWithParameters, recipient, parameters);

    /// <summary>Writes DELRCPT: remove a recipient, given as the milter saw it in RCPT.</summary>
    public static void WriteDeleteRecipient(IBufferWriter<byte> writer, string recipient) =>
        WriteAddress(writer, MilterResponseCode.DeleteRecipient, recipient, null);

    /// <summary>Writes CHGFROM: change the envelope sender, with optional ESMTP arguments (one string, space-separated).</summary>
    public static void WriteChangeSender(IBufferWriter<byte> writer, string sender, string? parameters) =>
        WriteAddress(writer, MilterResponseCode.ChangeSender, sender, parameters);

    /// <summary>Writes QUARANTINE: put the message on hold; the reason must not be empty.</summary>
    public static void WriteQuarantine(IBufferWriter<byte> writer, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var packet = PacketBuilder.Start(writer, (byte)MilterResponseCode.Quarantine, PacketBuilder.CStringBound(reason));
        packet.WriteCString(reason, nameof(reason));
        packet.Commit();
    }

    /// <summary>Writes REPLYCODE with a validated reply.</summary>
    public static void WriteReplyCode(IBufferWriter<byte> writer, SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var text = reply.ToWireText();
        var packet = PacketBuilder.Start(writer, (byte)MilterResponseCode.ReplyCode, PacketBuilder.CStringBound(text));
        packet.WriteCString(text, nameof(reply));
        packet.Commit();
    }

    /// <summary>Writes the whole replacement body as REPLBODY packets of at most 65535 bytes each.</summary>
    /// <remarks>An empty body is one empty REPLBODY packet, so the MTA still replaces the body.</remarks>
    public static void WriteReplaceBody(IBufferWriter<byte> writer, ReadOnlySpan<byte> body)
    {
        do
        {
            var chunk = body[..Math.Min(body.Length, BodyChunkLength)];
            var packet = PacketBuilder.Start(writer, (byte)MilterResponseCode.ReplaceBody, chunk.Length);
            packet.WriteBytes(chunk);
            packet.Commit();
            body = body[chunk.Length..];
        }
        while (!body.IsEmpty);
    }

    /// <summary>Whether a response never carries a payload.</summary>
    public static bool HasNoPayload(MilterResponseCode code) => code is
        MilterResponseCode.Accept or MilterResponseCode.Continue or MilterResponseCode.Discard or MilterResponseCode.Reject
        or MilterResponseCode.Tempfail or MilterResponseCode.Skip or MilterResponseCode.Progress or MilterResponseCode.Shutdown
        or MilterResponseCode.ConnectionFailure;

    private static void WriteIndexedHeader(IBufferWriter<byte> writer, MilterResponseCode code, uint index, string name, string value)
    {
        ValidateHeaderName(name);
        ArgumentNullException.ThrowIfNull(value);
        var packet = PacketBuilder.Start(writer, (byte)code, 4 + PacketBuilder.CStringBound(name) + PacketBuilder.CStringBound(value));
        packet.WriteUInt32(index);
        packet.WriteCString(name, nameof(name));
        packet.WriteCString(value, nameof(value));
        packet.Commit();
    }

    private static void WriteAddress(IBufferWriter<byte> writer, MilterResponseCode code, string address, string? parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        var packet = PacketBuilder.Start(writer, (byte)code, PacketBuilder.CStringBound(address) + PacketBuilder.CStringBound(parameters));
        packet.WriteCString(address, nameof(address));
        if (!string.IsNullOrEmpty(parameters))
            packet.WriteCString(parameters, nameof(parameters));
        packet.Commit();
    }

    /// <summary>A header name is printable ASCII without spaces or colons (RFC 5322 field name).</summary>
    internal static void ValidateHeaderName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
                throw new ArgumentException($"Header name \"{name}\" is invalid: it must be printable ASCII without spaces or ':'.", nameof(name));
        }
    }
}
