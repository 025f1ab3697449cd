using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// Applies a milter's end-of-message changes to the envelope and message the way Postfix does: ADDHEADER
/// appends; INSHEADER inserts at a 0-based position in the whole list; CHGHEADER changes the n-th (1-based,
/// 0 counts as 1) header of that name, deletes it when the value is empty, and appends when there is no n-th;
/// values get a leading space unless HDR_LEADSPC was negotiated, and LF folding becomes CRLF; REPLBODY pieces
/// together replace the body; DELRCPT removes the recipient whatever its brackets and case.
/// </summary>
public static class MessageEditor
{
    /// <summary>The delivered envelope and message after the changes.</summary>
    public static DeliveredMessage Apply(Envelope envelope, MailMessage message, IEnumerable<MilterResponse> actions, bool leadingSpace, out string? quarantine)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(actions);
        var headers = message.Headers.ToList();
        var sender = Envelope.Bracketed(envelope.Sender);
        var recipients = envelope.Recipients.Select(Envelope.Bracketed).ToList();
        List<byte>? body = null;
        quarantine = null;

        string Raw(string value)
        {
            var folded = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            return leadingSpace ? folded : " " + folded;
        }

        foreach (var action in actions)
        {
            switch (action)
            {
                case AddHeaderResponse add:
                    headers.Add(new(add.Name, Raw(add.Value)));
                    break;
                case InsertHeaderResponse insert:
                    headers.Insert((int)Math.Min(insert.Index, (uint)headers.Count), new(insert.Name, Raw(insert.Value)));
                    break;
                case ChangeHeaderResponse change:
                    Change(headers, change, Raw(change.Value));
                    break;
                case ChangeSenderResponse changeSender:
                    sender = Envelope.Bracketed(changeSender.Sender);
                    break;
                case AddRecipientResponse addRecipient:
                    recipients.Add(Envelope.Bracketed(addRecipient.Recipient));
                    break;
                case AddRecipientWithParametersResponse addRecipient:
                    recipients.Add(Envelope.Bracketed(addRecipient.Recipient));
                    break;
                case DeleteRecipientResponse delete:
                    recipients.RemoveAll(r => string.Equals(Bare(r), Bare(delete.Recipient), StringComparison.OrdinalIgnoreCase));
                    break;
                case ReplaceBodyResponse replace:
                    (body ??= []).AddRange(replace.Body.ToArray());
                    break;
                case QuarantineResponse held:
                    quarantine = held.Reason;
                    break;
            }
        }

        var result = new MailMessage(headers, body is null ? message.Body : body.ToArray());
        return new DeliveredMessage(sender, recipients, result);
    }

    private static void Change(List<KeyValuePair<string, string>> headers, ChangeHeaderResponse change, string raw)
    {
        var wanted = Math.Max(1u, change.Index);
        var seen = 0u;
        for (var i = 0; i < headers.Count; i++)
        {
            if (!headers[i].Key.Equals(change.Name, StringComparison.OrdinalIgnoreCase) || ++seen != wanted)
                continue;
            if (change.Value.Length == 0)
                headers.RemoveAt(i);
            else
                headers[i] = new(headers[i].Key, raw);
            return;
        }

        if (change.Value.Length > 0)
            headers.Add(new(change.Name, raw));
    }

    private static string Bare(string address) => address.Trim().TrimStart('<').TrimEnd('>');
}
