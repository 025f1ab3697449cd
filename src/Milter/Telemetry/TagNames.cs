namespace Milter;

/// <summary>The attribute names of the runtime's metrics and activities (OpenTelemetry's where one exists).</summary>
internal static class TagNames
{
    public const string Step = "milter.step";
    public const string Verdict = "milter.verdict";
    public const string Filter = "milter.filter";
    public const string Action = "milter.action";
    public const string Actions = "milter.actions";
    public const string ErrorType = "error.type";
    public const string RefusalReason = "milter.refusal.reason";
    public const string ConnectionId = "milter.connection.id";
    public const string Mta = "milter.mta";
    public const string ClientAddress = "client.address";
    public const string ClientPort = "client.port";
    public const string Helo = "milter.helo";
    public const string QueueId = "milter.queue_id";
    public const string SenderDomain = "milter.sender.domain";
    public const string RecipientCount = "milter.recipient.count";
    public const string HeaderCount = "milter.header.count";
    public const string BodySize = "milter.body.size";
    public const string ReplyCode = "milter.reply.code";
    public const string Pipeline = "milter.pipeline";
    public const string Part = "milter.part";
    public const string DryRun = "milter.dry_run";
    public const string DryRunOutcome = "milter.dry_run.outcome";
}
