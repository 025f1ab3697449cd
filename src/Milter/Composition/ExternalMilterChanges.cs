using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The external milter's end-of-message changes as calls on <see cref="EndOfMessageContext"/>: checked all first, so a
/// change the MTA did not grant or would not keep applies nothing, then applied in the order it sent them. Header values
/// are translated between the leading-space conventions of the two connections.
/// </summary>
internal static class ExternalMilterChanges
{
    /// <summary>Throws <see cref="ExternalMilterException"/> for the first change that could not be applied as sent.</summary>
    public static void Check(IReadOnlyList<MilterResponse> changes, EndOfMessageContext message)
    {
        var granted = message.Context.Negotiation.Actions;
        foreach (var change in changes)
        {
            var needed = Needs(change);
            if ((granted & needed) == 0)
                throw new ExternalMilterException($"it sent {change.Code} at end of message, which needs the action {needed}; the MTA did not grant it");
            try
            {
                if (change is ChangeSenderResponse { Parameters: { Length: > 0 } senderArguments })
                    EsmtpArgumentCheck.Validate(senderArguments, forSender: true, message.Context.Mta, "CHGFROM", nameof(change));
                else if (change is AddRecipientWithParametersResponse { Parameters: { Length: > 0 } recipientArguments })
                    EsmtpArgumentCheck.Validate(recipientArguments, forSender: false, message.Context.Mta, "ADDRCPT_PAR", nameof(change));
            }
            catch (ArgumentException e)
            {
                throw new ExternalMilterException($"it sent {change.Code} with arguments the MTA would not keep: {e.Message}");
            }
        }
    }

    /// <summary>Makes the changes on <paramref name="message"/>; the pieces of a replaced body become one body.</summary>
    public static void Apply(IReadOnlyList<MilterResponse> changes, EndOfMessageContext message, bool externalLeadingSpace)
    {
        var mtaLeadingSpace = (message.Context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        string Value(string value) => HeaderSpacing.Convert(value, externalLeadingSpace, mtaLeadingSpace);
        ArrayBufferWriter<byte>? body = null;
        foreach (var change in changes)
        {
            switch (change)
            {
                case AddHeaderResponse add:
                    message.AddHeader(add.Name, Value(add.Value));
                    break;
                case InsertHeaderResponse insert:
                    message.InsertHeader((int)Math.Min(insert.Index, int.MaxValue), insert.Name, Value(insert.Value));
                    break;
                case ChangeHeaderResponse { Value.Length: 0 } delete:
                    message.DeleteHeader(delete.Name, Occurrence(delete.Index));
                    break;
                case ChangeHeaderResponse changed:
                    message.ChangeHeader(changed.Name, Value(changed.Value), Occurrence(changed.Index));
                    break;
                case ChangeSenderResponse sender:
                    message.ChangeSender(sender.Sender, sender.Parameters);
                    break;
                case AddRecipientResponse recipient:
                    message.AddRecipient(recipient.Recipient);
                    break;
                case AddRecipientWithParametersResponse recipient:
                    message.AddRecipient(recipient.Recipient, recipient.Parameters);
                    break;
                case DeleteRecipientResponse recipient:
                    message.DeleteRecipient(recipient.Recipient);
                    break;
                case ReplaceBodyResponse piece:
                    (body ??= new ArrayBufferWriter<byte>()).Write(piece.Body.Span);
                    break;
                case QuarantineResponse held:
                    message.Quarantine(held.Reason);
                    break;
            }
        }

        if (body is not null)
            message.ReplaceBody(body.WrittenMemory);
    }

    private static ActionFlags Needs(MilterResponse change) => change switch
    {
        AddHeaderResponse or InsertHeaderResponse => ActionFlags.AddHeaders,
        ChangeHeaderResponse => ActionFlags.ChangeHeaders,
        ChangeSenderResponse => ActionFlags.ChangeSender,
        AddRecipientResponse => ActionFlags.AddRecipients,
        AddRecipientWithParametersResponse { Parameters.Length: > 0 } => ActionFlags.AddRecipientsWithParameters,
        AddRecipientWithParametersResponse => ActionFlags.AddRecipients,
        DeleteRecipientResponse => ActionFlags.DeleteRecipients,
        ReplaceBodyResponse => ActionFlags.ChangeBody,
        QuarantineResponse => ActionFlags.Quarantine,
        _ => throw new ExternalMilterException($"it sent {change.Code} among its end-of-message changes, which is not a change"),
    };

    // libmilter's CHGHEADER counts from 1; 0 means the first too.
    private static int Occurrence(uint index) => (int)Math.Clamp(index, 1u, int.MaxValue);
}

/// <summary>
/// Header values between a connection with leading space (SMFIP_HDR_LEADSPC) and one without: without it, the MTA takes
/// one leading space off a value it sends and puts one before a value it writes, so that is what is done here.
/// </summary>
internal static class HeaderSpacing
{
    /// <summary>A value from a connection with or without leading space, for one with or without it.</summary>
    public static string Convert(string value, bool fromLeadingSpace, bool toLeadingSpace) =>
        (fromLeadingSpace, toLeadingSpace) switch
        {
            (true, false) => value.StartsWith(' ') ? value[1..] : value,
            (false, true) => " " + value,
            _ => value,
        };
}
