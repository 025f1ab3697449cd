using Milter.Client;
using MimeKit;

namespace Milter.Testing.Tests;

/// <summary>The samples tested the way a user tests a milter: in memory, with Milter.Testing, no MTA.</summary>
public class SampleTests
{
    private static MimeMessage Message(string subject, int extraHeaders = 0)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse("rcpt@example.net"));
        message.Subject = subject;
        for (var i = 0; i < extraHeaders; i++)
            message.Headers.Add($"X-Extra-{i}", "x");
        message.Body = new TextPart("plain") { Text = "Hello." };
        return message;
    }

    /// <summary>The headers the MTA will see: MimeKit adds Date, Message-Id and MIME-Version when it writes the message.</summary>
    private static int HeadersOnTheWire(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return MailMessage.Parse(stream.ToArray()).Headers.Count;
    }

    [Fact]
    public async Task The_header_stamper_counts_the_headers_it_saw()
    {
        await using var test = MilterTest.For<HeaderStamper.HeaderStamper>();
        var message = Message("hello");
        var headerCount = HeadersOnTheWire(message);

        var result = await test.SendAsync(message, "sender@example.org", "rcpt@example.net");

        result.AssertHeaderAdded("X-Stamped", $"{headerCount} headers seen by Milter for .NET");
        Assert.Equal(Milter.ActionFlags.AddHeaders, HeaderStamper.HeaderStamper.Description.Actions);
    }

    [Fact]
    public async Task Per_message_state_does_not_leak_across_messages_or_an_abort()
    {
        await using var test = MilterTest.For<HeaderStamper.HeaderStamper>(profile: MtaProfile.Sendmail);
        var first = Message("one", extraHeaders: 3);
        var second = Message("two");

        var a = await test.SendAsync(first, "sender@example.org", "rcpt@example.net");
        await test.AbortAsync();
        var b = await test.SendAsync(second, "sender@example.org", "rcpt@example.net");

        a.AssertHeaderAdded("X-Stamped", $"{HeadersOnTheWire(first)} headers seen by Milter for .NET");
        b.AssertHeaderAdded("X-Stamped", $"{HeadersOnTheWire(second)} headers seen by Milter for .NET");
    }
}
