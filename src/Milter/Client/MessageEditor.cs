using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// Applies a milter's end-of-message changes to the envelope and message the way the MTA does. Both: values get a
/// leading space unless HDR_LEADSPC was negotiated, and LF folding becomes CRLF; CHGHEADER changes the n-th
/// (1-based, 0 counts as 1) header of that name, deletes it when the value is empty, and appends when there is no
/// n-th; INSHEADER counts the MTA's own Received: as header 0; REPLBODY pieces together replace the body; DELRCPT
/// removes the recipient whatever its brackets and case.
/// Postfix removes a deleted header and appends on ADDHEADER. Sendmail (8.17, standard configuration, relaying) keeps
/// 7 hidden default headers (Resent-Date, Date, Resent-From, From, Full-Name, Resent-Message-Id, Message-Id) below
/// its Received: that INSHEADER positions count; ADDHEADER of one of those names, or a CHGHEADER that finds no client
/// header of it, fills the default in place; any other ADDHEADER goes before the first header of the same name,
/// deleted ones included; a deleted header stays in place (indexes still count it, a change revives it); it delivers
/// no Resent- header in a message that arrived without one, and no Full-Name. The headers an MTA generates itself
/// (Date, Message-Id… when missing) are not shown: their values are the MTA's.
/// </summary>
public static class MessageEditor
{
    /// <summary>The delivered envelope and message after the changes, as <paramref name="mta"/> applies them (Postfix's rules unless Sendmail).</summary>
    public static DeliveredMessage Apply(Envelope envelope, MailMessage message, IEnumerable<MilterResponse> actions, bool leadingSpace, out string? quarantine, MtaKind mta = MtaKind.Postfix)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(actions);
        var headers = new HeaderList(message.Headers, mta == MtaKind.Sendmail);
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
                    headers.Add(add.Name, Raw(add.Value));
                    break;
                case InsertHeaderResponse insert:
                    headers.Insert(insert.Index, insert.Name, Raw(insert.Value));
                    break;
                case ChangeHeaderResponse change:
                    headers.Change(change.Name, Math.Max(1u, change.Index), change.Value.Length == 0 ? null : Raw(change.Value));
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

        var result = new MailMessage(headers.Visible(), body is null ? message.Body : body.ToArray());
        return new DeliveredMessage(sender, recipients, result);
    }

    private static string Bare(string address) => address.Trim().TrimStart('<').TrimEnd('>');

    /// <summary>The MTA's header list: its own Received: first (not part of the message here), Sendmail's hidden defaults, then the message's.</summary>
    private sealed class HeaderList
    {
        private readonly bool _sendmail;
        private readonly bool _resent;
        private readonly List<Entry> _entries = [];

        public HeaderList(IReadOnlyList<KeyValuePair<string, string>> headers, bool sendmail)
        {
            _sendmail = sendmail;
            _resent = headers.Any(h => SendmailHeaders.IsResent(h.Key));
            _entries.Add(new Entry(string.Empty, string.Empty, Kind.Own));
            if (sendmail)
                _entries.AddRange(SendmailHeaders.Defaults.Select(name => new Entry(name, string.Empty, Kind.Default)));
            _entries.AddRange(headers.Select(h => new Entry(h.Key, h.Value, Kind.Shown)));
        }

        private enum Kind
        {
            Own,
            Default,
            Shown,
            Deleted,
        }

        public void Add(string name, string raw)
        {
            if (!FillDefault(name, raw))
                Append(name, raw);
        }

        public void Insert(uint index, string name, string raw) =>
            _entries.Insert((int)Math.Min(index, (uint)_entries.Count), new Entry(name, raw, Kind.Shown));

        // A null raw value deletes. Postfix counts the headers there are; Sendmail the deleted ones it keeps too.
        public void Change(string name, uint occurrence, string? raw)
        {
            var seen = 0u;
            for (var i = 0; i < _entries.Count; i++)
            {
                var entry = _entries[i];
                if (entry.Kind is Kind.Own or Kind.Default || !Same(entry, name) || ++seen != occurrence)
                    continue;
                // Postfix writes a changed header with the milter's spelling of the name, Sendmail keeps the original's.
                if (raw is not null)
                    _entries[i] = entry with { Name = _sendmail ? entry.Name : name, Value = raw, Kind = Kind.Shown };
                else if (_sendmail)
                    _entries[i] = entry with { Kind = Kind.Deleted };
                else
                    _entries.RemoveAt(i);
                return;
            }

            if (raw is not null && !FillDefault(name, raw))
                Append(name, raw);
        }

        public IEnumerable<KeyValuePair<string, string>> Visible() =>
            _entries.Where(e => e.Kind == Kind.Shown && Delivered(e.Name)).Select(e => new KeyValuePair<string, string>(e.Name, e.Value));

        private bool Delivered(string name) =>
            !_sendmail || !(SendmailHeaders.IsNeverRelayed(name) || (!_resent && SendmailHeaders.IsResent(name)));

        // Sendmail: the milter's header takes the place of the hidden default of that name, if it is still hidden.
        private bool FillDefault(string name, string raw)
        {
            var hidden = _sendmail ? _entries.FindIndex(e => e.Kind == Kind.Default && Same(e, name)) : -1;
            if (hidden < 0)
                return false;
            _entries[hidden] = new Entry(name, raw, Kind.Shown);
            return true;
        }

        // Postfix appends; Sendmail adds before the first header of that name (a deleted one too), or appends.
        private void Append(string name, string raw)
        {
            var same = _sendmail ? _entries.FindIndex(e => e.Kind is Kind.Shown or Kind.Deleted && Same(e, name)) : -1;
            _entries.Insert(same < 0 ? _entries.Count : same, new Entry(name, raw, Kind.Shown));
        }

        private static bool Same(Entry entry, string name) => entry.Name.Equals(name, StringComparison.OrdinalIgnoreCase);

        private readonly record struct Entry(string Name, string Value, Kind Kind);
    }
}
