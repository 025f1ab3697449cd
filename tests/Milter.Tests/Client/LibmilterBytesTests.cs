using System.Text;
using Milter.Client;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Client;

/// <summary>
/// What leaves the milter for a header change depends on who is asking: a peer that gives no evidence of its MTA (no
/// macros, like OpenDKIM's miltertest) gets exactly libmilter's packets; Sendmail gets ADDHEADER for the headers it
/// generates, so the milter's replaces its own.
/// </summary>
public class LibmilterBytesTests
{
    private const string Message = "To: <rcpt@dest.test>\r\nSubject: hello\r\nX-Dup: first\r\nX-Dup: second\r\n\r\nBody.\r\n";

    private static async Task<(MessageOutcome Outcome, MtaKind Seen)> SendAsync(MtaProfile profile, Action<EndOfMessageContext> edit)
    {
        var seen = MtaKind.Unknown;
        var factory = MilterHandlerFactory.Create(new MilterDescription
        {
            Steps = MilterSteps.Header,
            NoReplySteps = MilterSteps.Header,
            Actions = ActionFlags.AddHeaders | ActionFlags.ChangeHeaders,
        }, () => new RecordingHandler([]) { EndOfMessage = m => { seen = m.Context.Mta; edit(m); } });
        var connection = new InMemoryConnection();
        var run = new MilterSession(factory, new MilterSessionOptions { ProgressInterval = null }).RunAsync(connection.MilterSide);
        MessageOutcome outcome;
        await using (var client = new MilterClient(connection.MtaSide, profile))
            outcome = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));
        await run;
        return (outcome, seen);
    }

    [Fact]
    public async Task A_peer_that_sends_no_macros_is_not_taken_for_any_MTA_and_gets_libmilter_packets()
    {
        var (outcome, seen) = await SendAsync(MtaProfile.Full, m =>
        {
            m.AddHeader("X-Stamped", "yes");
            m.AddHeader("Date", "Tue, 01 Dec 2026 12:00:00 +0000");
            m.DeleteHeader("X-Dup");
            m.ChangeHeader("X-Dup", "changed");
            m.InsertHeader(1, "X-Inserted", "one");
        });

        Assert.Equal(MtaKind.Unknown, seen);
        Assert.Equal<MilterResponse>(
        [
            new AddHeaderResponse("X-Stamped", "yes"),
            new AddHeaderResponse("Date", "Tue, 01 Dec 2026 12:00:00 +0000"),
            new ChangeHeaderResponse(1, "X-Dup", ""),
            new ChangeHeaderResponse(1, "X-Dup", "changed"),
            new InsertHeaderResponse(1, "X-Inserted", "one"),
        ], outcome.Actions);
        Assert.Equal("X-Inserted: one\r\nTo: <rcpt@dest.test>\r\nSubject: hello\r\nX-Dup: changed\r\nX-Stamped: yes\r\nDate: Tue, 01 Dec 2026 12:00:00 +0000\r\n\r\nBody.\r\n",
            outcome.Delivered!.Message.ToString());
    }

    [Fact]
    public async Task Behind_Sendmail_an_added_Date_is_ADDHEADER_and_replaces_the_one_Sendmail_generates()
    {
        var (outcome, seen) = await SendAsync(MtaProfile.Sendmail, m =>
        {
            m.AddHeader("Date", "Tue, 01 Dec 2026 12:00:00 +0000");
            m.AddHeader("X-Stamped", "yes");
        });

        Assert.Equal(MtaKind.Sendmail, seen);
        Assert.Equal<MilterResponse>(
        [
            new AddHeaderResponse("Date", "Tue, 01 Dec 2026 12:00:00 +0000"),
            new InsertHeaderResponse(int.MaxValue, "X-Stamped", "yes"),
        ], outcome.Actions);
        // Sendmail's Date default sits right below its Received:, above the client's headers.
        Assert.Equal("Date: Tue, 01 Dec 2026 12:00:00 +0000\r\nTo: <rcpt@dest.test>\r\nSubject: hello\r\nX-Dup: first\r\nX-Dup: second\r\nX-Stamped: yes\r\n\r\nBody.\r\n",
            outcome.Delivered!.Message.ToString());
    }
}
