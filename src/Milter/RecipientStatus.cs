namespace Milter;

/// <summary>What became of one recipient of the message at RCPT, as far as the milter can know.</summary>
public enum RecipientStatus
{
    /// <summary>The MTA accepted it and this filter did not refuse it: the message goes to it (unless a later step refuses the whole message).</summary>
    Accepted,

    /// <summary>This filter refused it at RCPT (reject, tempfail or a 4xx/5xx reply): the message does not go to it.</summary>
    RefusedByFilter,

    /// <summary>
    /// The MTA itself refused it and showed it anyway, which only Sendmail does and only for a filter that asks for refused
    /// recipients (<see cref="MilterDescription.RejectedRecipients"/>); Postfix shows a milter only the recipients it accepted.
    /// </summary>
    RefusedByMta,
}
