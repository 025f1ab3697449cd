using System.Text;
using Milter.Client;
using Milter.Tests.Support;

namespace Milter.Tests.Composition;

/// <summary>Parts made of <see cref="RecordingHandler"/>s, and a session serving a factory to a <see cref="MilterClient"/>.</summary>
internal static class PipelineHarness
{
    public const string Message =
        "From: <sender@origin.test>\r\nTo: <rcpt@dest.test>\r\nSubject: hello\r\nX-Note: one\r\nX-Note: two\r\n\r\nBody line.\r\n";

    public static MailMessage Mail => MailMessage.Parse(Encoding.ASCII.GetBytes(Message));

    public static Envelope Envelope(params string[] recipients) =>
        new("sender@origin.test", recipients.Length == 0 ? ["rcpt@dest.test"] : recipients);

    /// <summary>A part handling <paramref name="steps"/> that records its calls into <paramref name="calls"/>.</summary>
    public static IMilterHandlerFactory Part(string name, List<string> calls, MilterSteps steps = MilterSteps.Negotiable, ActionFlags actions = ActionFlags.None,
        Action<RecordingHandler>? setUp = null, MilterSteps noReply = MilterSteps.None, bool leadingSpace = false) =>
        MilterHandlerFactory.Create(new MilterDescription
        {
            Name = name,
            Steps = steps,
            NoReplySteps = noReply,
            Actions = actions,
            HeaderLeadingSpace = leadingSpace,
        }, () =>
        {
            var handler = new RecordingHandler(calls);
            setUp?.Invoke(handler);
            return handler;
        });

    public static MilterClient Serve(IMilterHandlerFactory factory, MilterSessionOptions? options = null, MtaProfile? profile = null,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var connection = new InMemoryConnection();
        var session = new MilterSession(factory, options ?? new MilterSessionOptions { ProgressInterval = null, Mta = MtaKind.Postfix }, logger);
        _ = Task.Run(() => session.RunAsync(connection.MilterSide));
        return new MilterClient(connection.MtaSide, profile ?? MtaProfile.Postfix);
    }

    public static async Task<MessageOutcome> SendAsync(IMilterHandlerFactory factory, Envelope? envelope = null, MilterSessionOptions? options = null)
    {
        await using var client = Serve(factory, options);
        return await client.SendMessageAsync(envelope ?? Envelope(), Mail);
    }

    /// <summary>The calls of messages and connection steps, without the close and disposal that follow the client's end.</summary>
    public static List<string> Steps(List<string> calls)
    {
        lock (calls)
            return [.. calls.Where(c => c is not ("close" or "dispose"))];
    }
}
