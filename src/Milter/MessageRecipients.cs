using System.Collections;

namespace Milter;

/// <summary>
/// The recipients of the message in RCPT order, each with its address (without angle brackets), its ESMTP arguments and
/// what became of it: accepted, refused by this filter, or refused by the MTA where the MTA tells (Sendmail, when asked).
/// Recipients this filter adds or deletes at end of message are not in it: they are changes, not what RCPT gave.
/// </summary>
public sealed class MessageRecipients : IReadOnlyList<MessageRecipient>
{
    private readonly IReadOnlyList<MessageRecipient> _all;

    internal MessageRecipients(IReadOnlyList<MessageRecipient> all) => _all = all;

    /// <inheritdoc />
    public int Count => _all.Count;

    /// <inheritdoc />
    public MessageRecipient this[int index] => _all[index];

    /// <summary>The addresses the message goes to, in RCPT order.</summary>
    public IReadOnlyList<string> Accepted => AddressesWith(RecipientStatus.Accepted);

    /// <summary>The addresses this filter refused at RCPT.</summary>
    public IReadOnlyList<string> RefusedByFilter => AddressesWith(RecipientStatus.RefusedByFilter);

    /// <summary>The addresses the MTA refused and showed the filter anyway (only Sendmail does, when asked).</summary>
    public IReadOnlyList<string> RefusedByMta => AddressesWith(RecipientStatus.RefusedByMta);

    /// <inheritdoc />
    public IEnumerator<MessageRecipient> GetEnumerator() => _all.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<string> AddressesWith(RecipientStatus status) => [.. _all.Where(r => r.Status == status).Select(r => r.Address)];
}
