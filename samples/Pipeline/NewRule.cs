using Milter;

namespace Pipeline;

/// <summary>
/// The rule being rolled out: refuse a message whose subject is shouted (all capitals). It starts in dry run
/// (appsettings.json): it sees real mail, and the log, the milter.pipeline.dry_run metric and the X-DryRun-NewRule header
/// say what it would have refused; set "DryRun": false and send SIGHUP to switch it on.
/// </summary>
[MailFilter("new-rule")]
public partial class NewRule
{
    private bool _shouting;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _shouting = value.Any(char.IsLetter) && !value.Any(char.IsLower);
    }

    [OnAbort]
    public void Abort() => _shouting = false;

    [OnEndOfMessage]
    public MilterVerdict End()
    {
        var shouting = _shouting;
        _shouting = false;
        return shouting ? MilterVerdict.Reject(550, "5.7.1", "please do not shout") : MilterVerdict.Continue;
    }
}
