using System.Text;
using Milter.Protocol;
using MimeKit;
using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>Writes authentication fields into the message the MTA delivers: at the top, exactly as signed.</summary>
public static class AuthenticationHeaders
{
    /// <summary>
    /// Inserts <paramref name="header"/> above every other header, the MTA's own Received: included (InsertHeader at
    /// index 0), with its raw value unchanged so what was signed is what is delivered. Also puts it on top of
    /// <paramref name="mirror"/> when given, so later signatures (ARC) see the message as it will be delivered.
    /// </summary>
    [UsesActions(ActionFlags.AddHeaders)]
    public static void InsertAtTop(this EndOfMessageContext message, Header header, MimeMessage? mirror = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(header);
        var raw = Encoding.UTF8.GetString(header.RawValue).TrimEnd('\r', '\n');
        // Without HDR_LEADSPC the MTA writes "Name: value" itself; with it, the value is sent as it is.
        var leadingSpace = (message.Context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        var value = leadingSpace ? raw : raw.StartsWith(' ') ? raw[1..] : raw;
        message.InsertHeader(0, header.Field, value.Replace("\r\n", "\n", StringComparison.Ordinal));
        mirror?.Headers.Insert(0, header);
    }

    /// <summary>
    /// Deletes every Authentication-Results field that claims <paramref name="authservId"/> (RFC 8601 5: a
    /// forgery, or a stale result), from the MTA's copy and from <paramref name="mime"/>. Returns how many.
    /// </summary>
    [UsesActions(ActionFlags.ChangeHeaders)]
    public static int RemoveClaimedResults(this EndOfMessageContext message, MimeMessage mime, string authservId)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mime);
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        var fields = mime.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).ToList();
        var removed = 0;
        // From the last, so the index of each one still to delete does not move.
        for (var n = fields.Count; n >= 1; n--)
        {
            if (!Claims(fields[n - 1], authservId))
                continue;
            message.DeleteHeader(fields[n - 1].Field, n);
            mime.Headers.Remove(fields[n - 1]);
            removed++;
        }

        return removed;
    }

    /// <summary>Whether an Authentication-Results field names <paramref name="authservId"/> (case-insensitive, RFC 8601 2.5).</summary>
    public static bool Claims(Header field, string authservId)
    {
        ArgumentNullException.ThrowIfNull(field);
        var id = AuthenticationResults.TryParse(field.RawValue, out var parsed)
            ? parsed.AuthenticationServiceIdentifier
            : field.Value.Split(';', 2)[0].Trim();
        return string.Equals(id, authservId, StringComparison.OrdinalIgnoreCase);
    }
}
