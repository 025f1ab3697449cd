using System.Buffers;

namespace Milter.Protocol;

/// <summary>
/// One packet a milter sends to the MTA, as a value: what an MTA-side client reads, and what a session
/// collects and writes. <see cref="Parse"/> and <see cref="WriteTo"/> are inverses.
/// </summary>
public abstract record MilterResponse
{
    private protected MilterResponse()
    {
    }

    /// <summary>The response byte.</summary>
    public abstract MilterResponseCode Code { get; }

    /// <summary>Whether this response ends the reply to a command (a verdict), as opposed to an action or progress.</summary>
    public bool IsFinal => Code is MilterResponseCode.Accept or MilterResponseCode.Continue or MilterResponseCode.Discard
        or MilterResponseCode.Reject or MilterResponseCode.Tempfail or MilterResponseCode.Skip or MilterResponseCode.ReplyCode
        or MilterResponseCode.Shutdown or MilterResponseCode.ConnectionFailure;

    /// <summary>Whether this response changes the message (allowed only at end of message).</summary>
    public bool IsModification => Code is MilterResponseCode.AddHeader or MilterResponseCode.InsertHeader
        or MilterResponseCode.ChangeHeader or MilterResponseCode.AddRecipient or MilterResponseCode.AddRecipientWithParameters
        or MilterResponseCode.DeleteRecipient or MilterResponseCode.ChangeSender or MilterResponseCode.ReplaceBody
        or MilterResponseCode.Quarantine;

    /// <summary>CONTINUE.</summary>
    public static MilterResponse Continue { get; } = new SimpleResponse(MilterResponseCode.Continue);

    /// <summary>ACCEPT.</summary>
    public static MilterResponse Accept { get; } = new SimpleResponse(MilterResponseCode.Accept);

    /// <summary>REJECT.</summary>
    public static MilterResponse Reject { get; } = new SimpleResponse(MilterResponseCode.Reject);

    /// <summary>TEMPFAIL.</summary>
    public static MilterResponse Tempfail { get; } = new SimpleResponse(MilterResponseCode.Tempfail);

    /// <summary>DISCARD.</summary>
    public static MilterResponse Discard { get; } = new SimpleResponse(MilterResponseCode.Discard);

    /// <summary>SKIP.</summary>
    public static MilterResponse Skip { get; } = new SimpleResponse(MilterResponseCode.Skip);

    /// <summary>PROGRESS.</summary>
    public static MilterResponse Progress { get; } = new SimpleResponse(MilterResponseCode.Progress);

    /// <summary>Writes this response as one packet (REPLBODY over 65535 bytes as several).</summary>
    public abstract void WriteTo(IBufferWriter<byte> writer);

    /// <summary>Parses a frame a milter sent.</summary>
    /// <exception cref="MilterProtocolException">The payload is over 65535 bytes or does not fit the response's layout.</exception>
    public static MilterResponse Parse(MilterFrame frame)
    {
        var payload = frame.Payload;
        var code = frame.ResponseCode;
        if (payload.Length > PacketBuilder.MaxPayloadLength)
        {
            throw new MilterProtocolException(MilterProtocolError.FrameTooLarge,
                $"Response {frame.DescribeCommand()} carries {payload.Length} bytes; the protocol allows at most {PacketBuilder.MaxPayloadLength}.");
        }

        if (MilterResponseWriter.HasNoPayload(code))
        {
            if (!payload.IsEmpty)
                throw new MilterProtocolException($"Response {frame.DescribeCommand()} must have no payload; it has {payload.Length} bytes.");
            return code switch
            {
                MilterResponseCode.Continue => Continue,
                MilterResponseCode.Accept => Accept,
                MilterResponseCode.Reject => Reject,
                MilterResponseCode.Tempfail => Tempfail,
                MilterResponseCode.Discard => Discard,
                MilterResponseCode.Skip => Skip,
                MilterResponseCode.Progress => Progress,
                _ => new SimpleResponse(code),
            };
        }

        var reader = new PayloadReader(payload, $"Response {frame.DescribeCommand()}");
        MilterResponse result = code switch
        {
            MilterResponseCode.AddHeader => new AddHeaderResponse(Text(ref reader, "header name"), Text(ref reader, "header value")),
            MilterResponseCode.InsertHeader => new InsertHeaderResponse(reader.ReadUInt32("index"), Text(ref reader, "header name"), Text(ref reader, "header value")),
            MilterResponseCode.ChangeHeader => new ChangeHeaderResponse(reader.ReadUInt32("index"), Text(ref reader, "header name"), Text(ref reader, "header value")),
            MilterResponseCode.AddRecipient => new AddRecipientResponse(Text(ref reader, "recipient")),
            MilterResponseCode.DeleteRecipient => new DeleteRecipientResponse(Text(ref reader, "recipient")),
            MilterResponseCode.AddRecipientWithParameters => new AddRecipientWithParametersResponse(Text(ref reader, "recipient"), OptionalText(ref reader)),
            MilterResponseCode.ChangeSender => new ChangeSenderResponse(Text(ref reader, "sender"), OptionalText(ref reader)),
            MilterResponseCode.Quarantine => new QuarantineResponse(Text(ref reader, "reason")),
            MilterResponseCode.ReplyCode => new ReplyCodeResponse(SmtpReply.ParseWireText(Text(ref reader, "reply text"))),
            MilterResponseCode.ReplaceBody => new ReplaceBodyResponse(payload.ToArray()),
            MilterResponseCode.OptionNegotiation => new NegotiationResponse(OptionNegotiation.Parse(payload)),
            _ => throw new MilterProtocolException(MilterProtocolError.UnknownCommand, $"Unknown response byte {frame.DescribeCommand()}."),
        };

        if (code is not (MilterResponseCode.ReplaceBody or MilterResponseCode.OptionNegotiation))
            reader.ExpectEnd();
        return result;
    }

    private static string Text(ref PayloadReader reader, string field) => WireText.Decode(reader.ReadCString(field).Span);

    private static string? OptionalText(ref PayloadReader reader) => reader.IsAtEnd ? null : Text(ref reader, "ESMTP arguments");
}

/// <summary>A response without a payload: accept, continue, discard, reject, tempfail, skip, progress, shutdown, connection failure.</summary>
/// <param name="Code">The response byte.</param>
public sealed record SimpleResponse(MilterResponseCode Code) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code { get; } = MilterResponseWriter.HasNoPayload(Code)
        ? Code
        : throw new ArgumentException($"Response {MilterFrame.Describe((byte)Code)} carries a payload.", nameof(Code));

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteSimple(writer, Code);
}

/// <summary>REPLYCODE: reject or temporarily fail with a custom SMTP reply.</summary>
public sealed record ReplyCodeResponse(SmtpReply Reply) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.ReplyCode;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteReplyCode(writer, Reply);
}

/// <summary>ADDHEADER: append a header.</summary>
public sealed record AddHeaderResponse(string Name, string Value) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.AddHeader;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteAddHeader(writer, Name, Value);
}

/// <summary>INSHEADER: insert a header at a 0-based position in the whole header list.</summary>
public sealed record InsertHeaderResponse(uint Index, string Name, string Value) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.InsertHeader;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteInsertHeader(writer, Index, Name, Value);
}

/// <summary>CHGHEADER: change the Index-th (1-based) header with this name; an empty value deletes it.</summary>
public sealed record ChangeHeaderResponse(uint Index, string Name, string Value) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.ChangeHeader;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteChangeHeader(writer, Index, Name, Value);
}

/// <summary>ADDRCPT: add a recipient.</summary>
public sealed record AddRecipientResponse(string Recipient) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.AddRecipient;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteAddRecipient(writer, Recipient);
}

/// <summary>ADDRCPT_PAR: add a recipient with ESMTP arguments.</summary>
public sealed record AddRecipientWithParametersResponse(string Recipient, string? Parameters) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.AddRecipientWithParameters;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteAddRecipientWithParameters(writer, Recipient, Parameters);
}

/// <summary>DELRCPT: remove a recipient.</summary>
public sealed record DeleteRecipientResponse(string Recipient) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.DeleteRecipient;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteDeleteRecipient(writer, Recipient);
}

/// <summary>CHGFROM: change the envelope sender.</summary>
public sealed record ChangeSenderResponse(string Sender, string? Parameters) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.ChangeSender;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteChangeSender(writer, Sender, Parameters);
}

/// <summary>QUARANTINE: put the message on hold.</summary>
public sealed record QuarantineResponse(string Reason) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.Quarantine;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteQuarantine(writer, Reason);
}

/// <summary>REPLBODY: a piece of the replacement body. Writing one over 65535 bytes writes several packets.</summary>
public sealed record ReplaceBodyResponse(ReadOnlyMemory<byte> Body) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.ReplaceBody;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer) => MilterResponseWriter.WriteReplaceBody(writer, Body.Span);

    /// <inheritdoc />
    public bool Equals(ReplaceBodyResponse? other) => other is not null && Body.Span.SequenceEqual(other.Body.Span);

    /// <inheritdoc />
    public override int GetHashCode() => Body.Length;
}

/// <summary>The milter's OPTNEG reply.</summary>
public sealed record NegotiationResponse(OptionNegotiation Negotiation) : MilterResponse
{
    /// <inheritdoc />
    public override MilterResponseCode Code => MilterResponseCode.OptionNegotiation;

    /// <inheritdoc />
    public override void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Negotiation.WriteTo(writer);
    }
}
