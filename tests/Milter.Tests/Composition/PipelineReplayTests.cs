using System.Text;
using Milter.Client;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>
/// A part after one that may change the message is shown the headers and body as that part left them, at end of message,
/// as Postfix and Sendmail show the next milter of <c>smtpd_milters = A, B</c>.
/// </summary>
public class PipelineReplayTests
{
    private const ActionFlags Edits = ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody;

    private static IMilterHandlerFactory Editor(List<string> calls) => Part("editor", calls, actions: Edits, setUp: h => h.EndOfMessage = m =>
    {
        m.AddHeader("X-Added", "yes");
        m.ChangeHeader("Subject", "changed");
        m.DeleteHeader("X-Note", 1);
        m.InsertHeader(1, "X-Top", "first");
        m.ReplaceBody("new body\r\n"u8.ToArray());
    });

    [Theory]
    [InlineData("postfix")]
    [InlineData("sendmail")]
    public async Task A_later_part_sees_the_headers_and_body_the_earlier_part_left_after_its_end_of_message(string mta)
    {
        var calls = new List<string>();
        PipelineHandler? handler = null;
        var pipeline = MilterPipeline.Create("p").Add(Editor(calls)).Add(Part("reader", calls)).Build();
        var factory = MilterHandlerFactory.Create(pipeline.Description, () => (IMilterHandler)(handler = (PipelineHandler)pipeline.CreateHandler()));

        await using var client = Serve(factory, new MilterSessionOptions { ProgressInterval = null }, MtaProfile.FromName(mta));
        var outcome = await client.SendMessageAsync(Envelope(), Mail);

        Assert.True(outcome.Accepted);
        Assert.True(handler!.HasHeldContent);
        var steps = Steps(calls);
        // The editor reads the message as it arrives; the reader is called for none of it before the editor's end of message.
        var editorEnd = steps.IndexOf("eom");
        Assert.Equal(["header From: <sender@origin.test>", "header To: <rcpt@dest.test>", "header Subject: hello", "header X-Note: one", "header X-Note: two", "eoh", "body 12"],
            steps[(steps.IndexOf("data") + 2)..editorEnd]);
        Assert.Equal(
        [
            "header X-Top: first", "header From: <sender@origin.test>", "header To: <rcpt@dest.test>", "header Subject: changed", "header X-Note: two",
            "header X-Added: yes", "eoh", "body 10", "eom",
        ], steps[(editorEnd + 1)..]);
    }

    [Theory]
    [InlineData("postfix")]
    [InlineData("sendmail")]
    public async Task A_later_part_counts_header_indexes_as_it_was_shown_the_headers(string mta)
    {
        var shown = new List<string>();
        var reader = MilterHandlerFactory.Create(new MilterDescription { Name = "reader", Steps = MilterSteps.Header | MilterSteps.EndOfMessage, Actions = Edits },
            () => new IndexingHandler(shown));
        var pipeline = MilterPipeline.Create("p").Add(Editor([])).Add(reader).Build();

        await using var client = Serve(pipeline, new MilterSessionOptions { ProgressInterval = null }, MtaProfile.FromName(mta));
        var outcome = await client.SendMessageAsync(Envelope(), Mail);

        // It inserted above the header it was shown as X-Added, and changed the X-Note it was shown first.
        var names = outcome.Delivered!.Message.Headers.Select(h => h.Key).Where(n => n != "Received").ToList();
        Assert.Equal(["X-Top", "From", "To", "Subject", "X-Note", "X-Above", "X-Added"], names);
        Assert.Equal("two, seen", outcome.Delivered.Message.Header("X-Note")?.Trim());
        Assert.Equal("new body\r\n", Encoding.ASCII.GetString(outcome.Delivered.Message.Body.Span));
    }

    [Fact]
    public async Task A_reject_while_a_part_is_shown_the_changed_headers_ends_the_message_and_the_later_parts_get_their_abort()
    {
        var editor = new List<string>();
        var judge = new List<string>();
        var last = new List<string>();
        var pipeline = MilterPipeline.Create("p")
            .Add(Editor(editor))
            .Add(MilterHandlerFactory.Create(new MilterDescription { Name = "judge", Steps = MilterSteps.Header | MilterSteps.EndOfMessage },
                () => new RejectingHandler(judge, "X-Added")))
            .Add(Part("last", last))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.True(outcome.Rejected);
        Assert.Equal(["header X-Top", "header From", "header To", "header Subject", "header X-Note", "header X-Added", "abort"], judge.Where(c => c != "close").ToList());
        Assert.DoesNotContain("eom", Steps(last));
        Assert.Equal("abort", Steps(last)[^1]);
        Assert.Contains("eom", Steps(editor));
    }

    [Fact]
    public async Task Accept_while_shown_the_content_stops_only_that_part_and_skip_only_its_body()
    {
        List<string> accepting = [], skipping = [];
        var body = new string('x', 70_000);
        var mail = Mail;
        mail.Body = Encoding.ASCII.GetBytes(body + "\r\n" + body + "\r\n");
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("editor", [], actions: Edits, setUp: h => h.EndOfMessage = m => m.AddHeader("X-Added", "yes")))
            .Add(Part("accepting", accepting, setUp: h => h.Verdicts[MilterSteps.EndOfHeaders] = () => MilterVerdict.Accept))
            .Add(Part("skipping", skipping, actions: Edits, setUp: h =>
            {
                h.Verdicts[MilterSteps.Body] = () => MilterVerdict.Skip;
                h.EndOfMessage = m => m.AddHeader("X-Skipping", "done");
            }))
            .Build();

        await using var client = Serve(pipeline);
        var outcome = await client.SendMessageAsync(Envelope(), mail);

        Assert.Equal("yes", outcome.Delivered!.Message.Header("X-Added")?.Trim());
        Assert.Equal("done", outcome.Delivered.Message.Header("X-Skipping")?.Trim());
        var accepted = Steps(accepting);
        Assert.Equal(["header X-Added: yes", "eoh", "abort"], accepted[^3..]);
        Assert.DoesNotContain(accepted, c => c.StartsWith("body", StringComparison.Ordinal));
        var skipped = Steps(skipping);
        Assert.Single(skipped, c => c.StartsWith("body", StringComparison.Ordinal));
        Assert.Equal("eom", skipped[^1]);
    }

    [Fact]
    public async Task Header_values_are_shown_with_or_without_the_leading_space_as_each_part_asked()
    {
        List<string> plain = [], spaced = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("editor", [], actions: Edits, leadingSpace: true, setUp: h => h.EndOfMessage = m => m.ChangeHeader("Subject", " changed")))
            .Add(Part("plain", plain, steps: MilterSteps.Header | MilterSteps.EndOfMessage))
            .Add(Part("spaced", spaced, steps: MilterSteps.Header | MilterSteps.EndOfMessage, leadingSpace: true))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Equal("Subject: changed", outcome.Delivered!.Message.Headers.Where(h => h.Key == "Subject").Select(h => $"{h.Key}:{h.Value}").Single().TrimEnd());
        Assert.Contains("header Subject: changed", Steps(plain));
        Assert.Contains("header From: <sender@origin.test>", Steps(plain));
        Assert.Contains("header Subject:  changed", Steps(spaced));
        Assert.Contains("header From:  <sender@origin.test>", Steps(spaced));
    }

    [Fact]
    public async Task A_part_after_one_that_cannot_change_the_message_reads_it_as_it_arrives_and_nothing_is_held()
    {
        var calls = new List<string>();
        PipelineHandler? handler = null;
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("looker", calls))
            .Add(Part("second-looker", calls))
            .Add(Part("stamp", [], steps: MilterSteps.Mail | MilterSteps.EndOfMessage, actions: Edits, setUp: h => h.EndOfMessage = m => m.AddHeader("X-Stamp", "1")))
            .Add(Part("envelope", [], steps: MilterSteps.Rcpt | MilterSteps.EndOfMessage))
            .Build();
        var factory = MilterHandlerFactory.Create(pipeline.Description, () => (IMilterHandler)(handler = (PipelineHandler)pipeline.CreateHandler()));

        await using var client = Serve(factory);
        var outcome = await client.SendMessageAsync(Envelope(), Mail);

        Assert.Equal("1", outcome.Delivered!.Message.Header("X-Stamp")?.Trim());
        Assert.False(handler!.HasHeldContent);
        // Both lookers were shown each header as it arrived, one after the other.
        var steps = Steps(calls);
        Assert.Equal(["header From: <sender@origin.test>", "header From: <sender@origin.test>"], steps[(steps.IndexOf("data") + 2)..(steps.IndexOf("data") + 4)]);
    }

    [Fact]
    public async Task A_replaced_body_larger_than_the_memory_bound_is_shown_whole_and_still_delivered()
    {
        var replacement = new byte[HeldBody.MemoryLimit + 300_000];
        Random.Shared.NextBytes(replacement);
        for (var i = 0; i < replacement.Length; i++)
            replacement[i] = (byte)('a' + (replacement[i] % 26));
        var seen = new MemoryStream();
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("replacer", [], actions: ActionFlags.ChangeBody, setUp: h => h.EndOfMessage = m => m.ReplaceBody(new MemoryStream(replacement))))
            .Add(MilterHandlerFactory.Create(new MilterDescription { Name = "reader", Steps = MilterSteps.Body | MilterSteps.EndOfMessage }, () => new BodyReader(seen)))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Equal(replacement, seen.ToArray());
        Assert.Equal(replacement, outcome.Delivered!.Message.Body.ToArray());
    }

    [Fact]
    public async Task A_dry_run_part_is_shown_the_changed_message_too_and_its_own_changes_are_dropped()
    {
        var calls = new List<string>();
        var pipeline = MilterPipeline.Create("p")
            .Add(Editor([]))
            .Add(Part("trial", calls, actions: Edits, setUp: h => h.EndOfMessage = m => m.ChangeHeader("Subject", "trial")), part =>
            {
                part.DryRun = true;
                part.DryRunHeader = "X-DryRun-Trial";
            })
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Contains("header Subject: changed", Steps(calls));
        Assert.Contains("body 10", Steps(calls));
        Assert.Equal("changed", outcome.Delivered!.Message.Header("Subject")?.Trim());
        Assert.Equal("trial: continue; change_header", outcome.Delivered.Message.Header("X-DryRun-Trial")?.Trim());
    }

    [Fact]
    public async Task A_replacement_stream_that_fails_while_read_for_a_later_part_tempfails_the_message()
    {
        var calls = new List<string>();
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("replacer", [], actions: ActionFlags.ChangeBody, setUp: h => h.EndOfMessage = m => m.ReplaceBody(new FailingStream())))
            .Add(Part("reader", calls, steps: MilterSteps.Body | MilterSteps.EndOfMessage))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.True(outcome.Tempfailed);
        Assert.Equal("abort", Steps(calls)[^1]);
        Assert.DoesNotContain("eom", Steps(calls));
    }

    [Fact]
    public void A_held_body_past_the_memory_bound_goes_to_a_private_temporary_file_deleted_at_the_next_message()
    {
        using var held = new HeldBody();
        var bytes = new byte[HeldBody.MemoryLimit + 10];
        bytes[^1] = 42;
        held.Append(bytes.AsSpan(0, HeldBody.MemoryLimit));
        Assert.False(held.InFile);
        held.Append(bytes.AsSpan(HeldBody.MemoryLimit));
        Assert.True(held.InFile);
        Assert.Equal(bytes.Length, held.Length);

        string path;
        using (var reader = held.OpenRead())
        {
            path = ((FileStream)reader).Name;
            var back = new MemoryStream();
            reader.CopyTo(back);
            Assert.Equal(bytes, back.ToArray());
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        held.Reset();
        Assert.False(File.Exists(path));
        Assert.Equal(0, held.Length);

        // Handed over whole, the file belongs to the stream: it is deleted when the stream is disposed.
        held.Append(bytes);
        var detached = held.Detach();
        Assert.Equal(0, held.Length);
        path = ((FileStream)detached).Name;
        Assert.Equal(bytes.Length, detached.Length);
        detached.Dispose();
        Assert.False(File.Exists(path));
    }

    /// <summary>Inserts a header above the one it was shown as X-Added, and changes the first X-Note it was shown.</summary>
    private sealed class IndexingHandler(List<string> shown) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
        {
            shown.Add(header.Name);
            return ValueTask.FromResult(MilterVerdict.Continue);
        }

        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            // Header k (1-based as shown) is index k: the MTA's Received: is header 0.
            message.InsertHeader(shown.IndexOf("X-Added") + 1, "X-Above", "above added");
            message.ChangeHeader("X-Note", "two, seen", 1);
            return ValueTask.FromResult(MilterVerdict.Continue);
        }
    }

    private sealed class RejectingHandler(List<string> calls, string name) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
        {
            calls.Add($"header {header.Name}");
            return ValueTask.FromResult(header.NameIs(name) ? MilterVerdict.Reject() : MilterVerdict.Continue);
        }

        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            calls.Add("eom");
            return ValueTask.FromResult(MilterVerdict.Continue);
        }

        public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
        {
            calls.Add("abort");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream()
            : base("some"u8.ToArray())
        {
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("the disk went away"));
    }

    private sealed class BodyReader(MemoryStream seen) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            seen.Write(chunk.Span);
            return ValueTask.FromResult(MilterVerdict.Continue);
        }
    }
}
