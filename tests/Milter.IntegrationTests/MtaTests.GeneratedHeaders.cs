using System.Text;
using Milter.Client;
using Milter.IntegrationTests.Support;
using DeliveredMessage = Milter.IntegrationTests.Support.DeliveredMessage;

namespace Milter.IntegrationTests;

/// <summary>
/// Headers the MTA generates or keeps for itself (Date, Message-Id, From, Resent-Date), added, ensured, changed and
/// deleted in messages that lack them and in messages that have them (<see cref="GeneratedHeaderCases"/>). Each case
/// must deliver what the libmilter reference milter making the same call delivers behind the same MTA, the number of
/// copies the MTA's rules give (exactly one where the filter means one, but for Sendmail's Resent- rule), and what the
/// client with this MTA's profile predicts.
/// </summary>
public abstract partial class MtaTests
{
    private const string ByTheMta = "(by the MTA)";

    public static TheoryData<string, string, bool> GeneratedHeaderEdits()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var operation in GeneratedHeaderCases.Operations)
        {
            foreach (var name in GeneratedHeaderCases.Names)
            {
                data.Add(operation, name, false);
                data.Add(operation, name, true);
            }
        }

        return data;
    }

    /// <summary>The headers the MTA shows the milters for a message with these headers (its own Received: aside).</summary>
    private protected virtual IReadOnlyList<KeyValuePair<string, string>> ShownToMilters(IReadOnlyList<KeyValuePair<string, string>> sent) => sent;

    /// <summary>How many headers of the case's name the MTA delivers (measured; the libmilter reference gets the same).</summary>
    private protected abstract int Copies(string operation, string name, bool present);

    [Theory]
    [MemberData(nameof(GeneratedHeaderEdits))]
    public async Task A_change_to_a_header_the_MTA_generates_delivers_what_a_libmilter_milter_delivers(string operation, string name, bool present)
    {
        var mta = Mta;
        if (fixture.ReferenceSkipReason is { } reason)
            Assert.Skip(reason);
        var ours = GeneratedMessage($"{operation} {name}", name, present);
        var reference = GeneratedMessage($"py {operation} {name}", name, present);

        DeliveredMessage delivered, libmilter;
        await using (var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort))
        {
            var first = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], ours);
            var second = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], reference);
            Assert.Equal((250, 250), (first.Code, second.Code));
            delivered = await mta.WaitForDeliveryAsync(mta.QueueIdOf(first));
            libmilter = await mta.WaitForDeliveryAsync(mta.QueueIdOf(second));
        }

        var sent = Parse(ours).Headers;
        Assert.Equal(Masked(libmilter.Headers, sent, "py "), Masked(delivered.Headers, sent));
        Assert.Equal(Copies(operation, name, present), delivered.Values(name).Count);

        // The client with this MTA's profile, given the headers the MTA showed the milters, predicts the same.
        var predicted = new MailMessage(ShownToMilters(sent), ReadOnlyMemory<byte>.Empty);
        predicted = await PredictAsync(MilterHandlerFactory.For<ScenarioMilter>(), predicted);
        predicted = await PredictAsync(MilterHandlerFactory.For<LeadingSpaceMilter>(), predicted);
        Assert.Equal(Masked(delivered.Headers, sent).Where(h => !h.EndsWith(ByTheMta, StringComparison.Ordinal)),
            Masked([new("Received", ""), .. predicted.Headers], sent).Where(h => !h.EndsWith(ByTheMta, StringComparison.Ordinal)));
    }

    private static string GeneratedMessage(string scenario, string name, bool present) =>
        $"To: <rcpt@dest.test>\nSubject: Generated headers\n{GeneratedHeaderCases.HeadersFor(name, present)}X-Case: {scenario}\n\nHello.\n";

    private static MailMessage Parse(string message) => MailMessage.Parse(Encoding.UTF8.GetBytes(message.Replace("\n", "\r\n", StringComparison.Ordinal)));

    /// <summary>
    /// The headers as "Name: value" below the MTA's own Received:, with the values the MTA made up itself (not sent, not a
    /// milter's) masked, and the reference milter's case prefix taken off X-Case.
    /// </summary>
    private static List<string> Masked(IEnumerable<KeyValuePair<string, string>> headers, IReadOnlyList<KeyValuePair<string, string>> sent, string casePrefix = "")
    {
        bool Known(string key, string value) => sent.Any(h => h.Key.Equals(key, StringComparison.OrdinalIgnoreCase) && h.Value.Trim() == value)
            || value == GeneratedHeaderCases.ValueFor(key);
        return headers.Skip(1).Select(h => (h.Key, Value: h.Value.Trim()) switch
        {
            ("X-Case", var value) => $"X-Case: {value[casePrefix.Length..]}",
            var (key, value) when Known(key, value) => $"{key}: {value}",
            var (key, _) => $"{key}: {ByTheMta}",
        }).ToList();
    }
}
