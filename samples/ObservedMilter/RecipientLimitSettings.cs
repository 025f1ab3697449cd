namespace ObservedMilter;

/// <summary>The "RecipientLimit" section of appsettings.json.</summary>
public sealed class RecipientLimitSettings
{
    /// <summary>The most recipients one message may have; Postfix's own default (smtpd_recipient_limit) is 1000.</summary>
    public int MaxRecipients { get; set; } = 50;
}
