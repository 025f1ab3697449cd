using Milter.Client;
using Milter.Mime.Tests.Support;
using Milter.Protocol;
using MimeKit;

namespace Milter.Mime.Tests;

public sealed class RewriterTests
{
    public static TheoryData<string> Files => new(TestMessages.Files);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task An_untouched_message_sends_no_action(string file)
    {
        var (outcome, changes) = await RewritingMilter.RunAsync(TestMessages.Load(file), _ => { });

        Assert.False(changes.Any);
        Assert.Empty(outcome.Actions);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task An_untouched_spilled_message_sends_no_action_either(string file)
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load(file), _ => { }, new MessageCaptureOptions { MemoryLimit = 100 });

        Assert.Empty(outcome.Actions);
    }

    [Fact]
    public async Task A_new_subject_is_one_change()
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("nested.eml"), m => m.Subject = "[checked] " + m.Subject);

        var change = Assert.IsType<ChangeHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal(("Subject", 1u, "[checked] Invoice 2026-1142"), (change.Name, change.Index, change.Value));
        Assert.Equal("[checked] Invoice 2026-1142", TestMessages.Raw(outcome).Header("Subject"));
    }

    [Fact]
    public async Task A_removed_header_is_one_delete_and_an_added_one_one_add()
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("nested.eml"), m =>
        {
            m.Headers.Remove("X-Mailer");
            m.Headers.Add("X-Scanned", "clean");
        });

        Assert.Collection(outcome.Actions,
            a => Assert.Equal(("X-Mailer", 1u, ""), (((ChangeHeaderResponse)a).Name, ((ChangeHeaderResponse)a).Index, ((ChangeHeaderResponse)a).Value)),
            a => Assert.Equal(("X-Scanned", "clean"), (((AddHeaderResponse)a).Name, ((AddHeaderResponse)a).Value)));
        var delivered = TestMessages.Raw(outcome);
        Assert.Empty(delivered.Values("X-Mailer"));
        Assert.Equal("X-Scanned", delivered.Headers[^1].Key);
        Assert.Equal("clean", delivered.Header("X-Scanned"));
    }

    [Fact]
    public async Task A_header_put_at_the_top_is_inserted_below_the_MTA_own_Received()
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("nested.eml"), m => m.Headers.Insert(0, new Header("X-First", "yes")));

        var insert = Assert.IsType<InsertHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal(("X-First", 1u), (insert.Name, insert.Index));
    }

    [Fact]
    public async Task Removing_the_first_of_two_equal_named_headers_deletes_that_one_only()
    {
        var message = "Received: from a\r\nReceived: from b\r\nSubject: two hops\r\n\r\nbody\r\n"u8.ToArray();
        var (outcome, _) = await RewritingMilter.RunAsync(message, m => m.Headers.RemoveAt(m.Headers.IndexOf("Received")));

        var delete = Assert.IsType<ChangeHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal(("Received", 1u, ""), (delete.Name, delete.Index, delete.Value));
        Assert.Equal(["from b"], TestMessages.Raw(outcome).Values("Received"));
    }

    [Fact]
    public async Task An_eight_bit_header_can_be_changed_and_the_others_stay_byte_exact()
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("8bit-headers.eml"), m => m.Headers["X-Latin1"] = "café crème");

        var change = Assert.IsType<ChangeHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal("X-Latin1", change.Name);
        var delivered = TestMessages.Raw(outcome);
        Assert.Equal("Grüße aus Köln", delivered.Header("Subject"));
        Assert.Equal("first line\tsecond line  third line", delivered.Header("X-Folded"));
    }

    [Fact]
    public async Task A_changed_body_is_one_replacement_and_the_headers_are_left_alone()
    {
        var (outcome, changes) = await RewritingMilter.RunAsync(TestMessages.Load("8bit-headers.eml"), m => Assert.IsType<TextPart>(m.Body).SetText("utf-8", "Replaced.\r\n"));

        Assert.True(changes.BodyReplaced);
        // The new text needs no 8-bit transfer encoding header change: MimeKit keeps the part's headers.
        Assert.All(outcome.Actions, a => Assert.Equal(MilterResponseCode.ReplaceBody, a.Code));
        Assert.Equal("Replaced.\r\n", System.Text.Encoding.UTF8.GetString(TestMessages.Raw(outcome).Body.Span));
    }

    [Fact]
    public async Task With_leading_space_negotiated_values_keep_their_space_both_ways()
    {
        var options = new MessageCaptureOptions { HeaderLeadingSpace = true };
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("nested.eml"), m => m.Subject = "new", options);

        var change = Assert.IsType<ChangeHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal(" new", change.Value);
        Assert.Equal("new", TestMessages.Raw(outcome).Header("Subject"));
    }

    [Fact]
    public async Task A_capture_set_up_for_the_wrong_leading_space_mode_says_so()
    {
        var results = new List<MimeChanges>();
        var factory = MilterHandlerFactory.Create(RewritingMilter.Description(leadingSpace: true), () => new RewritingMilter(_ => { }, null, results));
        await using var test = Testing.MilterTest.For(factory);

        var outcome = await test.SendAsync(TestMessages.Load("nested.eml"), new Envelope("s@example.org", ["r@example.com"]), TestContext.Current.CancellationToken);

        Assert.True(outcome.Tempfailed);
        Assert.Empty(results);
    }
}
