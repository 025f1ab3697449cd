using Milter.Client;
using Milter.Protocol;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>Changes apply in part order, and a later part's header indexes count the headers as the earlier parts left them.</summary>
public class PipelineChangesTests
{
    private static readonly ActionFlags Edits = ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.AddRecipients | ActionFlags.DeleteRecipients | ActionFlags.ChangeBody;

    private static IMilterHandlerFactory First() => Part("first", [], actions: Edits, setUp: h => h.EndOfMessage = m =>
    {
        m.InsertHeader(1, "X-First", "top");
        m.DeleteHeader("X-Note", 1);
        m.ChangeHeader("Subject", "[first] hello");
        m.AddRecipient("<added@dest.test>");
        m.ReplaceBody(new MemoryStream("first body\r\n"u8.ToArray()));
    });

    // Its indexes mean the headers as "first" left them: X-Note 1 is the second original X-Note, header 2 is below X-First.
    private static IMilterHandlerFactory Second() => Part("second", [], actions: Edits, setUp: h => h.EndOfMessage = m =>
    {
        m.ChangeHeader("X-Note", "second was here", 1);
        m.InsertHeader(2, "X-Second", "below first");
        m.AddHeader("X-Last", "end");
        m.DeleteRecipient("<rcpt@dest.test>");
    });

    [Theory]
    [InlineData("postfix")]
    [InlineData("sendmail")]
    public async Task The_composition_delivers_what_the_parts_deliver_one_after_the_other(string mta)
    {
        var profile = MtaProfile.FromName(mta);
        var options = new MilterSessionOptions { ProgressInterval = null };
        MessageOutcome composed;
        await using (var client = Serve(MilterPipeline.Create("p").Add(First()).Add(Second()).Build(), options, profile))
            composed = await client.SendMessageAsync(Envelope(), Mail);

        MessageOutcome afterFirst, afterBoth;
        await using (var client = Serve(First(), options, profile))
            afterFirst = await client.SendMessageAsync(Envelope(), Mail);
        var delivered = afterFirst.Delivered!;
        await using (var client = Serve(Second(), options, profile))
            afterBoth = await client.SendMessageAsync(new Envelope(delivered.Sender, delivered.Recipients), delivered.Message);

        Assert.Equal(afterBoth.Delivered!.Message.ToString(), composed.Delivered!.Message.ToString());
        Assert.Equal(afterBoth.Delivered.Recipients, composed.Delivered.Recipients);
        Assert.Equal("first body\r\n", System.Text.Encoding.ASCII.GetString(composed.Delivered.Message.Body.Span));
        Assert.Equal("second was here", composed.Delivered.Message.Header("X-Note")?.Trim());
        Assert.Equal(["<added@dest.test>"], composed.Delivered.Recipients);
    }

    [Fact]
    public async Task A_body_replaced_by_two_parts_is_the_later_one_sent_once_as_a_stream()
    {
        var streamed = new MemoryStream(new byte[200_000]);
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("one", [], actions: ActionFlags.ChangeBody, setUp: h => h.EndOfMessage = m => m.ReplaceBody("one\r\n"u8.ToArray())))
            .Add(Part("two", [], actions: ActionFlags.ChangeBody, setUp: h => h.EndOfMessage = m => m.ReplaceBody(streamed)))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Equal(200_000, outcome.Delivered!.Message.Body.Length);
        Assert.Equal(4, outcome.Actions.Count(a => a.Code == MilterResponseCode.ReplaceBody));
        Assert.Throws<ObjectDisposedException>(() => streamed.ReadByte());
    }

    [Fact]
    public async Task A_part_may_make_only_the_changes_it_described_whatever_the_others_asked_for()
    {
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("headers", [], actions: ActionFlags.AddHeaders))
            .Add(Part("sneaky", [], setUp: h => h.EndOfMessage = m => m.AddHeader("X-Sneaky", "no")))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.True(outcome.Tempfailed);
    }
}
