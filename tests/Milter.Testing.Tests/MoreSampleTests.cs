using System.Text;
using EventLogger;
using Microsoft.Extensions.Logging;
using Milter.Client;
using RecipientPolicy;

namespace Milter.Testing.Tests;

/// <summary>The recipient policy and event logger samples, tested in memory with Milter.Testing.</summary>
public class MoreSampleTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\n\r\nHello.\r\n");

    private sealed class Services(object service) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType.IsInstanceOfType(service) ? service : null;
    }

    private static MilterTest PolicyTest()
    {
        var rules = new PolicyRules();
        rules.LocalDomains.Add("example.net");
        rules.TrustedNetworks.Add("10.0.0.0/8");
        rules.BlockedRecipients.Add("gone@example.net");
        rules.FullMailboxes.Add("full@example.net");
        return MilterTest.For<Policy>(new Services(rules));
    }

    private static Envelope From(string clientAddress, params string[] recipients) =>
        new("a@example.org", recipients) { ClientAddress = clientAddress };

    [Fact]
    public async Task Blocked_and_full_mailboxes_are_refused_one_recipient_at_a_time()
    {
        await using var test = PolicyTest();
        var result = await test.SendAsync(Message, From("192.0.2.1", "gone@example.net", "full@example.net", "fine@example.net"));

        Assert.Equal(["gone@example.net", "full@example.net"], result.RefusedRecipients);
        result.AssertAccepted();
        Assert.Equal(["fine@example.net"], result.Recipients);
    }

    [Fact]
    public async Task The_replies_are_the_custom_multi_line_ones()
    {
        await using var test = PolicyTest();
        var gone = await test.SendAsync(Message, From("192.0.2.1", "gone@example.net"));
        var full = await test.SendAsync(Message, From("192.0.2.1", "full@example.net"));

        gone.AssertRejected(550, "5.1.1");
        Assert.Equal(["<gone@example.net>: this mailbox no longer exists", "Please update your address book."],
            Assert.IsType<Milter.Protocol.ReplyCodeResponse>(gone.Verdict).Reply.Lines);
        full.AssertTempfailed(452, "4.2.2");
    }

    [Fact]
    public async Task Relaying_needs_a_trusted_network_or_authentication()
    {
        await using var untrusted = PolicyTest();
        var denied = await untrusted.SendAsync(Message, From("192.0.2.1", "someone@elsewhere.example"));
        denied.AssertRejected(554, "5.7.1");
        Assert.Contains("Client 192.0.2.1 is not trusted and did not authenticate.", Assert.IsType<Milter.Protocol.ReplyCodeResponse>(denied.Verdict).Reply.Lines);

        await using var trusted = PolicyTest();
        (await trusted.SendAsync(Message, From("10.1.2.3", "someone@elsewhere.example"))).AssertAccepted();

        await using var authenticated = PolicyTest();
        var envelope = From("192.0.2.1", "someone@elsewhere.example") with
        {
            Macros = new Dictionary<char, IReadOnlyDictionary<string, string>> { ['R'] = new Dictionary<string, string> { ["{auth_authen}"] = "alice" } },
        };
        (await authenticated.SendAsync(Message, envelope)).AssertAccepted();
    }

    [Fact]
    public async Task The_event_logger_answers_nothing_and_logs_every_event()
    {
        var log = new CollectingLogger();
        await using var test = MilterTest.For<EventLog>(new Services(log));
        var result = await test.SendAsync(Message, From("192.0.2.1", "b@example.net"));

        Assert.Equal(MilterSteps.Negotiable, EventLog.Description.NoReplySteps);
        Assert.Equal(Milter.ActionFlags.None, EventLog.Description.Actions);
        result.AssertAccepted();
        // The test host sends Postfix's default macros: j at connect, the queue id from DATA on.
        Assert.Contains("connect localhost [192.0.2.1]:50025 (IPv4) to mta.example", log.Lines);
        Assert.Contains("mail from <a@example.org>  (authenticated as (null))", log.Lines);
        Assert.Contains("header Subject: hi", log.Lines);
        Assert.Contains(log.Lines, line => line.StartsWith("end of message ", StringComparison.Ordinal)
            && line.EndsWith(": 8 body bytes, 1 recipients", StringComparison.Ordinal) && !line.Contains("(null)", StringComparison.Ordinal));
    }

    private sealed class CollectingLogger : ILogger<EventLog>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
                Lines.Add(formatter(state, exception));
        }
    }
}
