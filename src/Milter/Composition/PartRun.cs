namespace Milter;

/// <summary>One part on one SMTP connection: its handler, and where it stands in the connection and the current message.</summary>
internal sealed class PartRun(IMilterHandler handler, IMilterHandlerFactory factory)
{
    public IMilterHandler Handler { get; } = handler;

    public MilterDescription Description { get; } = factory.Description;

    /// <summary>The part's settings for the current message (or connection, before the first message).</summary>
    public PartSettings Settings { get; set; } = null!;

    /// <summary>Out for the rest of the connection: it decided at CONNECT or HELO, failed there, or the client is outside its networks.</summary>
    public bool ConnectionDone { get; set; }

    /// <summary>The current message is open for the part: it gets more calls, and an end of message or an abort.</summary>
    public bool Open { get; set; }

    /// <summary>It asked for no more of this message's body.</summary>
    public bool SkipBody { get; set; }

    /// <summary>A recipient in its domains was accepted (recipient-domain conditions only).</summary>
    public bool HasRecipient { get; set; }

    /// <summary>The part applied to the current message (for the dry-run report).</summary>
    public bool Applied { get; set; }

    /// <summary>
    /// Its headers, end of headers and body are held and shown to it at end of message, as the parts before it left them: an
    /// earlier part in the message may change the headers or the body.
    /// </summary>
    public bool Replayed { get; set; }

    /// <summary>It handles the headers, the end of headers or the body.</summary>
    public bool ReadsContent => Handles(MilterSteps.Header | MilterSteps.EndOfHeaders | MilterSteps.Body);

    /// <summary>What it may do at end of message changes what a later part is shown: headers or body (a dry-run part: its header).</summary>
    public bool MayChangeContent => Settings.DryRun
        ? Settings.Options.DryRunHeader is not null
        : ((Description.Actions | Description.OptionalActions) & (ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody)) != 0;

    /// <summary>What a dry-run part would have done with the current message.</summary>
    public DryRunRecord DryRun { get; } = new();

    public string Name => Settings.Options.Name;

    public bool Handles(MilterSteps step) => (Description.Steps & step) != 0;

    public bool NoReply(MilterSteps step) => (Description.NoReplySteps & step) != 0;
}
