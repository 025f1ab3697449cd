namespace Milter;

/// <summary>One recipient of the message as RCPT gave it, and what became of it.</summary>
/// <param name="Address">The address without angle brackets: <c>a@example.com</c>, in the spelling the client used.</param>
/// <param name="Arguments">Its ESMTP arguments, one per item (<c>NOTIFY=NEVER</c>).</param>
/// <param name="Status">Whether the MTA and this filter accepted it.</param>
public sealed record MessageRecipient(string Address, IReadOnlyList<string> Arguments, RecipientStatus Status)
{
    /// <summary>Whether the message goes to this recipient: the MTA accepted it and this filter did not refuse it.</summary>
    public bool IsAccepted => Status == RecipientStatus.Accepted;

    /// <inheritdoc />
    public bool Equals(MessageRecipient? other) =>
        other is not null && Address == other.Address && Status == other.Status && Arguments.SequenceEqual(other.Arguments);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Address, Status, Arguments.Count);

    /// <summary>The address and status, for logs: <c>a@example.com (Accepted)</c>.</summary>
    public override string ToString() => $"{Address} ({Status})";
}
