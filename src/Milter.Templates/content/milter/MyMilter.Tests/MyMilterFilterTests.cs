using Milter.Testing;
using MimeKit;
using MyMilter;

namespace MyMilter.Tests;

/// <summary>The filter in memory, through the same session engine the server runs, as Postfix would send the message.</summary>
public class MyMilterFilterTests
{
    private static MimeMessage Hello() => MimeMessage.Load(Path.Combine(AppContext.BaseDirectory, "messages", "hello.eml"));

    [Fact]
    public async Task Stamps_the_number_of_headers()
    {
        await using var test = MilterTest.For<MyMilterFilter>();

        MilterTestResult result = await test.SendAsync(Hello(), "sender@example.org", "rcpt@example.net");

        result.AssertHeaderAdded("X-MyMilter", "5 headers seen");
    }

    [Fact]
    public async Task Refuses_the_blocked_recipient_and_delivers_to_the_others()
    {
        await using var test = MilterTest.For<MyMilterFilter>();

        MilterTestResult result = await test.SendAsync(Hello(), "sender@example.org", "blocked@example.com", "rcpt@example.net");

        Assert.Equal(["blocked@example.com"], result.RefusedRecipients);
        Assert.Equal(["rcpt@example.net"], result.Recipients);
    }
}
