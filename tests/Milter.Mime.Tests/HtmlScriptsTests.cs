using Milter.Mime.Tests.Support;
using Milter.Testing;
using MimeKit;

namespace Milter.Mime.Tests;

public sealed class HtmlScriptsTests
{
    [Fact]
    public void Script_elements_event_handlers_and_script_links_are_removed()
    {
        var clean = HtmlScripts.Clean("<body onload=\"track()\"><p>Hi</p><script>steal()</script><a href=\" java\tscript:alert(1)\" title=t>x</a><img src=cid:logo ONERROR=x></body>");

        Assert.Equal("<body><p>Hi</p><a title=\"t\">x</a><img src=\"cid:logo\"></body>", clean);
    }

    [Fact]
    public void Html_without_scripts_is_returned_unchanged()
    {
        const string html = "<html><body><p class=x>Plain <b>text</b> &amp; a <a href=\"https://example.org/\">link</a></p></body></html>";

        Assert.Same(html, HtmlScripts.Clean(html));
    }

    [Fact]
    public async Task Only_the_html_part_changes_and_the_message_is_rewritten_as_one_body_replacement()
    {
        var (outcome, changes) = await RewritingMilter.RunAsync(TestMessages.Load("nested.eml"), m => Assert.Equal(1, HtmlScripts.Remove(m)));

        Assert.Equal(new MimeChanges(0, true), changes);
        var delivered = outcome.AssertAccepted();
        var html = delivered.BodyParts.OfType<TextPart>().Single(p => p.IsHtml);
        Assert.DoesNotContain("script", html.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onload", html.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Please find the invoice attached.", html.Text, StringComparison.Ordinal);
        Assert.Equal(ContentEncoding.QuotedPrintable, html.ContentTransferEncoding);
        Assert.Equal("Please find the invoice attached. Total: 1€ 42.", delivered.TextBody?.Trim());
    }

    [Fact]
    public async Task A_message_without_scripts_is_not_touched()
    {
        var (outcome, _) = await RewritingMilter.RunAsync(TestMessages.Load("8bit-headers.eml"), m => Assert.Equal(0, HtmlScripts.Remove(m)));

        Assert.Empty(outcome.Actions);
    }
}
