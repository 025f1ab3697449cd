using Milter.Client;

using Milter.Testing;
using MimeKit;

namespace Milter.Mime.Tests.Support;

/// <summary>
/// A milter that captures each message with <see cref="MessageCapture"/>, lets the test edit the
/// <see cref="MimeMessage"/>, and sends the difference with <see cref="MimeRewriter"/>: the shape of a real MIME milter.
/// </summary>
internal sealed class RewritingMilter(Action<MimeMessage> edit, MessageCaptureOptions? options, List<MimeChanges> results) : MilterHandler
{
    private readonly MessageCapture _capture = new(options);

    public static MilterDescription Description(bool leadingSpace = false) => new()
    {
        Steps = MilterSteps.Header | MilterSteps.Body,
        Actions = ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody,
        HeaderLeadingSpace = leadingSpace,
    };

    /// <summary>Sends <paramref name="message"/> through a milter that applies <paramref name="edit"/>.</summary>
    public static async Task<(MilterTestResult Outcome, MimeChanges Changes)> RunAsync(byte[] message, Action<MimeMessage> edit, MessageCaptureOptions? options = null, MtaProfile? profile = null)
    {
        var results = new List<MimeChanges>();
        var factory = MilterHandlerFactory.Create(Description(options?.HeaderLeadingSpace ?? false), () => new RewritingMilter(edit, options, results));
        await using var test = MilterTest.For(factory, profile);
        var outcome = await test.SendAsync(message, new Envelope("sender@example.org", ["rcpt@example.com"]), TestContext.Current.CancellationToken);
        return (outcome, Assert.Single(results));
    }

    public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
    {
        _capture.AddHeader(header.Name, header.Value);
        return Continue;
    }

    public override ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        _capture.AddBody(chunk.Span);
        return Continue;
    }

    public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        try
        {
            edit(_capture.Message);
            results.Add(message.ApplyChanges(_capture));
            return ValueTask.FromResult(MilterVerdict.Continue);
        }
        finally
        {
            _capture.Clear();
        }
    }

    public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _capture.Clear();
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _capture.Dispose();
        return ValueTask.CompletedTask;
    }
}
