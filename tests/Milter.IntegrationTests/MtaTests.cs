using System.Net;
using System.Text;
using Milter.Client;
using DeliveredMessage = Milter.IntegrationTests.Support.DeliveredMessage;
using Milter.IntegrationTests.Support;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// Starts our milters (<see cref="ScenarioMilter"/>, then <see cref="LeadingSpaceMilter"/>), the libmilter reference
/// milter (milters/header_milter.py, when pymilter is installed) and a private MTA that uses them in that order, once
/// for a test class.
/// </summary>
public abstract class MtaFixture : IAsyncLifetime
{
    private readonly List<MilterServer> _milters = [];
    private MilterProcess? _reference;

    internal MtaInstance? Mta { get; private set; }

    public string? SkipReason { get; private set; }

    /// <summary>Why the libmilter reference milter is not in the chain, or null.</summary>
    public string? ReferenceSkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        SkipReason = Unavailable();
        if (SkipReason is not null)
            return;
        foreach (var factory in new[] { MilterHandlerFactory.For<ScenarioMilter>(), MilterHandlerFactory.For<LeadingSpaceMilter>() })
        {
            var server = new MilterServer(factory, new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
            _milters.Add(server);
            await server.StartAsync();
        }

        ReferenceSkipReason = await Pymilter.UnavailableAsync();
        if (ReferenceSkipReason is null)
            _reference = await Pymilter.StartAsync("header_milter.py");
        Mta = await StartAsync([.. _milters.Select(m => ((IPEndPoint)m.Addresses[0].EndPoint).Port)], _reference?.Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (Mta is not null)
            await Mta.DisposeAsync();
        foreach (var milter in _milters)
            await milter.DisposeAsync();
        if (_reference is not null)
            await _reference.DisposeAsync();
    }

    /// <summary>Why this MTA cannot run here, or null.</summary>
    private protected abstract string? Unavailable();

    /// <summary>Starts the MTA with our milters on these 127.0.0.1 ports, in order, then the reference milter's when there is one.</summary>
    private protected abstract Task<MtaInstance> StartAsync(int[] ourPorts, int? referencePort);
}

/// <summary>
/// The end-to-end cases every MTA must pass the same way: mail sent over SMTP to a real MTA with our milter, checked
/// on what the MTA delivered. Header edits are written once and must land the same behind Postfix and Sendmail.
/// </summary>
public abstract partial class MtaTests(MtaFixture fixture)
{
    /// <summary>The client profile that copies this MTA.</summary>
    internal abstract MtaProfile ClientProfile { get; }

    internal MtaInstance Mta
    {
        get
        {
            if (fixture.SkipReason is not null)
                Assert.Skip(fixture.SkipReason);
            return fixture.Mta!;
        }
    }

    internal static string Message(string scenario, string subject = "Integration test", string extraHeaders = "", string body = "Hello from the test.\n") =>
        $"From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: {subject}\n{extraHeaders}X-Case: {scenario}\n\n{body}";

    /// <summary>Sends a scenario the MTA accepts (250) but may not deliver; returns its queue id.</summary>
    internal async Task<string> SendAcceptedAsync(string scenario)
    {
        var mta = Mta;
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message(scenario));
        Assert.Equal(250, answer.Code);
        return mta.QueueIdOf(answer);
    }

    internal async Task<DeliveredMessage> DeliverAsync(string scenario, string[]? recipients = null, string? message = null)
    {
        var mta = Mta;
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", recipients ?? ["rcpt@dest.test"], message ?? Message(scenario));
        Assert.Equal(250, answer.Code);
        return await mta.WaitForDeliveryAsync(mta.QueueIdOf(answer));
    }

    [Fact]
    public async Task A_header_is_added()
    {
        var delivered = await DeliverAsync("add-header");
        Assert.Equal("added by the milter", delivered.Header("X-Added"));
        Assert.Equal("X-Added", delivered.Headers[^1].Key);
    }

    [Fact]
    public async Task A_header_is_changed()
    {
        var delivered = await DeliverAsync("change-header");
        Assert.Equal(["changed by the milter"], delivered.Values("Subject"));
    }

    [Fact]
    public async Task A_header_is_inserted_at_index_0_above_the_MTA_own_Received()
    {
        var delivered = await DeliverAsync("insert-header");
        Assert.Equal(new KeyValuePair<string, string>("X-Inserted", "at the very top"), delivered.Headers[0]);
        Assert.Equal("Received", delivered.Headers[1].Key);
    }

    [Fact]
    public async Task A_header_is_deleted()
    {
        var delivered = await DeliverAsync("delete-header", message: Message("delete-header", extraHeaders: "X-Remove-Me: secret\nX-Keep-Me: kept\n"));
        Assert.Empty(delivered.Values("X-Remove-Me"));
        Assert.Equal("kept", delivered.Header("X-Keep-Me"));
    }

    [Fact]
    public async Task The_sender_is_changed()
    {
        var delivered = await DeliverAsync("change-sender");
        Assert.Equal("<new-sender@origin.test>", delivered.Sender);
    }

    [Fact]
    public async Task A_recipient_is_added_and_one_is_deleted()
    {
        var delivered = await DeliverAsync("recipients", ["rcpt@dest.test", "removed@dest.test"]);
        Assert.Equal(["<added@dest.test>", "<rcpt@dest.test>"], delivered.Recipients.Order());
    }

    [Fact]
    public async Task The_body_is_replaced_with_more_than_64_KiB()
    {
        var delivered = await DeliverAsync("replace-body");
        Assert.True(ScenarioMilter.ReplacementBody.Length > 65535);
        Assert.Equal(ScenarioMilter.ReplacementBody.Replace("\r\n", "\n", StringComparison.Ordinal), delivered.Body);
    }

    [Fact]
    public async Task A_reject_reaches_the_SMTP_client_with_the_custom_multi_line_reply()
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("reject"));

        Assert.Equal(554, answer.Code);
        Assert.Equal(["5.7.1 Rejected by the test milter", "5.7.1 Second line of the reply, 100% sure"], answer.Lines);
    }

    [Fact]
    public async Task A_tempfail_reaches_the_SMTP_client()
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("tempfail"));

        Assert.Equal(451, answer.Code);
        Assert.StartsWith("4.", answer.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_messages_on_one_SMTP_connection_each_get_their_own_verdict_and_no_state_leaks()
    {
        var mta = Mta;
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        var first = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("add-header"));
        var second = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("reject"));
        var third = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("plain"));
        await smtp.CommandAsync("RSET");
        var fourth = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("plain", extraHeaders: "X-Fourth: yes\n"));

        Assert.Equal([250, 554, 250, 250], [first.Code, second.Code, third.Code, fourth.Code]);
        Assert.Equal("added by the milter", (await mta.WaitForDeliveryAsync(mta.QueueIdOf(first))).Header("X-Added"));
        foreach (var plain in new[] { third, fourth })
        {
            var delivered = await mta.WaitForDeliveryAsync(mta.QueueIdOf(plain));
            Assert.Equal("passed", delivered.Header("X-Stamp"));
            Assert.Empty(delivered.Values("X-Added"));
        }
    }

    [Fact]
    public async Task An_abandoned_transaction_is_one_abort_and_a_finished_message_none()
    {
        // Postfix sends ABORT after every message and Sendmail does not; handlers see the same events either way.
        var mta = Mta;
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        Assert.Equal(250, (await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("plain"))).Code);
        Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@origin.test>")).Code);
        Assert.Equal(250, (await smtp.CommandAsync("RCPT TO:<rcpt@dest.test>")).Code);
        Assert.Equal(250, (await smtp.CommandAsync("RSET")).Code);
        var counted = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("count-events"));

        Assert.Equal("ended=1 aborted=1", (await mta.WaitForDeliveryAsync(mta.QueueIdOf(counted))).Header("X-Events"));
    }

    [Fact]
    public async Task The_sender_is_changed_with_ESMTP_arguments()
    {
        var delivered = await DeliverAsync("change-sender-with-arguments");
        Assert.Equal("<new-sender@origin.test>", delivered.Sender);
        // Both relay the DSN arguments the milter gave (Sendmail adds its own AUTH=<>).
        Assert.Equal(["ENVID=test-envid", "RET=HDRS"], delivered.SenderArguments.Split(' ').Where(a => !a.StartsWith("AUTH=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_MIME_message_with_an_attachment_arrives_intact()
    {
        const string Mime = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n";
        const string Body = "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\u00fc\u00dfe.\n--b1\n"
            + "Content-Type: application/octet-stream; name=\"data.bin\"\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n--b1--\n";
        var delivered = await DeliverAsync("add-header", message: Message("add-header", extraHeaders: Mime, body: Body));

        Assert.Equal(Body, delivered.Body);
        Assert.Equal("multipart/mixed; boundary=\"b1\"", delivered.Header("Content-Type"));
    }

    [Fact]
    public async Task A_folded_header_arrives_folded_and_a_folded_value_from_the_milter_too()
    {
        var delivered = await DeliverAsync("fold", message: Message("fold", extraHeaders: "X-Long: first part\n\tsecond part\n"));

        Assert.Equal("first part\n\tsecond part", delivered.Header("X-Long"));
        Assert.Equal("line one\n\tline two", delivered.Header("X-Milter-Folded"));
    }

    // With a Date and a Message-ID neither MTA adds its own (Sendmail would put them right below its Received:).
    private const string Duplicates = "X-Dup: first\nX-Dup: second\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <edit@origin.test>\n";

    /// <summary>
    /// Delivers a header-edit scenario through the real MTA, and checks that our client with this MTA's profile
    /// predicts exactly the headers the MTA delivered (less its own Received:), so users can test without an MTA.
    /// </summary>
    private async Task<DeliveredMessage> EditAsync(string scenario)
    {
        var message = Message(scenario, extraHeaders: Duplicates);
        var delivered = await DeliverAsync(scenario, message: message);

        // Through both milters in the MTA's order, each seeing the message as the one before left it.
        var predicted = MailMessage.Parse(Encoding.UTF8.GetBytes(message.Replace("\n", "\r\n", StringComparison.Ordinal)));
        predicted = await PredictAsync(MilterHandlerFactory.For<ScenarioMilter>(), predicted);
        predicted = await PredictAsync(MilterHandlerFactory.For<LeadingSpaceMilter>(), predicted);
        var own = delivered.Headers.ToList().FindIndex(h => h.Key == "Received");
        var real = delivered.RawHeaders.Where((_, i) => i != own).Select(h => $"{h.Key}:{h.Value}");
        Assert.Equal(real, predicted.Headers.Select(h => $"{h.Key}:{h.Value.Replace("\r\n", "\n", StringComparison.Ordinal)}"));
        return delivered;
    }

    private async Task<MailMessage> PredictAsync(IMilterHandlerFactory milter, MailMessage message)
    {
        var connection = new InMemoryConnection();
        var run = new MilterSession(milter, new MilterSessionOptions { ProgressInterval = null }).RunAsync(connection.MilterSide);
        MessageOutcome outcome;
        await using (var client = new MilterClient(connection.MtaSide, ClientProfile))
            outcome = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), message);
        await run;
        return outcome.Delivered!.Message;
    }

    /// <summary>The headers as delivered from the message's own From: on (the MTA's Received: above it is not the milter's).</summary>
    private static List<string> Fields(DeliveredMessage delivered) => delivered.Headers.Select(h => $"{h.Key}: {h.Value}").ToList();

    [Fact]
    public async Task The_first_copy_of_a_repeated_header_is_changed()
    {
        Assert.Equal(["changed", "second"], (await EditAsync("change-first-copy")).Values("X-Dup"));
    }

    [Fact]
    public async Task The_second_copy_of_a_repeated_header_is_changed()
    {
        Assert.Equal(["first", "changed"], (await EditAsync("change-second-copy")).Values("X-Dup"));
    }

    [Fact]
    public async Task A_header_deleted_then_added_appears_once_at_the_end()
    {
        var delivered = await EditAsync("delete-then-add");
        Assert.Equal(["replaced"], delivered.Values("Subject"));
        Assert.Equal("Subject: replaced", Fields(delivered)[^1]);
    }

    [Fact]
    public async Task Indexes_count_the_headers_as_they_are_after_earlier_changes()
    {
        // The first X-Dup is deleted; the next "first X-Dup" is the one that was second.
        Assert.Equal(["changed"], (await EditAsync("delete-first-then-change-first")).Values("X-Dup"));
    }

    [Fact]
    public async Task Inserts_below_the_MTA_own_Received_count_from_the_top()
    {
        var fields = Fields(await EditAsync("insert-below-received"));
        Assert.StartsWith("Received: ", fields[0], StringComparison.Ordinal);
        Assert.Equal(["X-Inserted: below the MTA's Received", "From: <sender@origin.test>", "X-Inserted-Later: after From"], fields[1..4]);
    }

    [Fact]
    public async Task An_insert_past_the_end_appends()
    {
        Assert.Equal("X-Inserted: at the end", Fields(await EditAsync("insert-past-the-end"))[^1]);
    }

    [Fact]
    public async Task Changing_a_header_that_is_not_there_adds_it()
    {
        Assert.Equal("X-Missing: now here", Fields(await EditAsync("change-missing"))[^1]);
    }

    [Fact]
    public async Task Leading_spaces_in_a_value_are_kept_after_the_one_the_MTA_adds()
    {
        var delivered = await EditAsync("spaces-in-value");
        Assert.Equal(["  two leading spaces"], delivered.RawValues("X-Spaced"));
        Assert.Equal([" one leading space", "second"], delivered.RawValues("X-Dup"));
    }

    [Fact]
    public async Task With_HDR_LEADSPC_values_arrive_and_leave_with_their_leading_space_exactly()
    {
        var delivered = await EditAsync("leading-space");

        Assert.Equal([" [ Integration test]"], delivered.RawValues("X-Seen-Subject").Select(v => " " + v));
        Assert.Equal([" one space as sent"], delivered.RawHeaders.Where(h => h.Key == "X-Kept").Select(h => h.Value));
        Assert.Equal(["no space at all"], delivered.RawHeaders.Where(h => h.Key == "X-Glued").Select(h => h.Value));
        Assert.Equal(["  two spaces", " second"], delivered.RawHeaders.Where(h => h.Key == "X-Dup").Select(h => h.Value));
    }
}
