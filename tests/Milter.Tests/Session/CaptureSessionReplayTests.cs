using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

/// <summary>
/// Feeds what Postfix 3.7 and Sendmail 8.17 really sent into our session, with a handler that does what the
/// recorded libmilter and pymilter milters did, and checks that our session answers byte for byte the same.
/// </summary>
public class CaptureSessionReplayTests
{
    public static TheoryData<string> Files => new(Capture.FileNames);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Our_session_answers_exactly_what_the_reference_milter_answered(string file)
    {
        var factory = ReferenceMilter.For(file);
        foreach (var connection in Capture.Load(file).Connections)
        {
            var pipe = new InMemoryConnection();
            // The recorded milters sent libmilter's raw header actions; Postfix's meaning of indexes is that raw one,
            // so no translation for Sendmail here (The_MTA_is_recognised_from_what_it_sends covers recognition).
            var session = new MilterSession(factory, new MilterSessionOptions { ProgressInterval = null, Mta = MtaKind.Postfix });
            var run = session.RunAsync(pipe.MilterSide);

            await pipe.MtaSide.Output.WriteAsync(connection.MtaStream);
            await pipe.MtaSide.Output.CompleteAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));

            var answered = await pipe.MtaSide.Input.ReadAllAsync();
            Assert.Equal(Describe(connection.MilterStream), Describe(answered));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task The_MTA_is_recognised_from_what_it_sends(string file)
    {
        var seen = new List<MtaKind>();
        var factory = ReferenceMilter.For(file, seen);
        foreach (var connection in Capture.Load(file).Connections)
        {
            var pipe = new InMemoryConnection();
            var run = new MilterSession(factory, new MilterSessionOptions { ProgressInterval = null }).RunAsync(pipe.MilterSide);
            await pipe.MtaSide.Output.WriteAsync(connection.MtaStream);
            await pipe.MtaSide.Output.CompleteAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var expected = file.StartsWith("postfix-", StringComparison.Ordinal) ? MtaKind.Postfix : MtaKind.Sendmail;
        Assert.NotEmpty(seen);
        Assert.All(seen, mta => Assert.Equal(expected, mta));
    }

    /// <summary>One line per packet, so a mismatch shows which packet differs.</summary>
    private static string Describe(byte[] stream)
    {
        var reader = new MilterFrameReader(FrameSource.Milter);
        var buffer = new ReadOnlySequence<byte>(stream);
        var lines = new List<string>();
        while (reader.TryRead(buffer, out var frame, out var consumed))
        {
            lines.Add($"{(char)frame.Command} {Hex.Of(frame.Payload.Span)}");
            buffer = buffer.Slice(consumed);
        }

        Assert.True(buffer.IsEmpty);
        return string.Join('\n', lines);
    }
}

/// <summary>What the recorded milters did (see the captures' README), written against our API.</summary>
internal sealed class ReferenceMilter(string headerValue, bool leadingSpace, List<MtaKind>? seen) : MilterHandler
{
    private string? _subject;

    /// <summary>The milter recorded in <paramref name="captureFile"/>; <paramref name="seen"/> collects the MTA each message saw.</summary>
    public static IMilterHandlerFactory For(string captureFile, List<MtaKind>? seen = null)
    {
        if (captureFile.Contains("-pymilter-", StringComparison.Ordinal))
        {
            // pymilter_ref: connect, helo, data, eoh, body and unknown not implemented; header and envrcpt are @noreply.
            var description = new MilterDescription
            {
                Steps = MilterSteps.Mail | MilterSteps.Rcpt | MilterSteps.Header,
                NoReplySteps = MilterSteps.Rcpt | MilterSteps.Header,
                Actions = ActionFlags.All,
                Skip = true,
            };
            return MilterHandlerFactory.Create(description, () => new ReferenceMilter("pymilter", false, seen));
        }

        if (captureFile.Contains("-probe-leadspc-", StringComparison.Ordinal))
        {
            var description = new MilterDescription
            {
                Actions = ActionFlags.All,
                HeaderLeadingSpace = true,
                Skip = true,
                Macros =
                [
                    new(MacroStage.Connect, ["{client_addr}", "{client_port}", "{client_name}", "{daemon_addr}", "{daemon_port}"]),
                    new(MacroStage.Rcpt, ["{rcpt_addr}", "i", "{mail_addr}"]),
                ],
            };
            return MilterHandlerFactory.Create(description, () => new ReferenceMilter(" probe", true, seen));
        }

        var actions = ActionFlags.AddHeaders | ActionFlags.AddRecipients | ActionFlags.ChangeHeaders;
        var noReply = captureFile.Contains("-libmilter-nr-", StringComparison.Ordinal)
            ? MilterSteps.Negotiable & ~MilterSteps.Unknown
            : MilterSteps.None;
        return MilterHandlerFactory.Create(new MilterDescription { Actions = actions, NoReplySteps = noReply },
            () => new ReferenceMilter("libmilter", false, seen));
    }

    public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
    {
        if (_subject is null && header.NameIs("Subject"))
            _subject = header.Value;
        return Continue;
    }

    public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var subject = _subject ?? "";
        _subject = null;
        seen?.Add(message.Context.Mta);
        if (subject.Contains("REJECTME", StringComparison.Ordinal))
            return ValueTask.FromResult(MilterVerdict.Reject(550, "5.7.1", "Rejected by harness milter: subject contains REJECTME"));

        message.AddHeader("X-Harness", headerValue);
        if (leadingSpace)
            message.AddHeader("X-Probe-Nospace", "sent-without-leading-space");
        message.AddRecipient("<harness-added@example.net>");
        message.ChangeHeader("Subject", leadingSpace ? " [harness]" + subject : "[harness] " + subject);
        return ValueTask.FromResult(MilterVerdict.Accept);
    }

    public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _subject = null;
        return ValueTask.CompletedTask;
    }
}
