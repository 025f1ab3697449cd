using Milter.Client;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>Conditions per part: a part that does not apply behaves as if it had accepted.</summary>
public class PipelineConditionTests
{
    private static Envelope From(string address, bool authenticated = false) => Envelope() with
    {
        ClientAddress = address,
        Macros = authenticated
            ? new Dictionary<char, IReadOnlyDictionary<string, string>> { ['M'] = new Dictionary<string, string> { ["{auth_authen}"] = "alice" } }
            : new Dictionary<char, IReadOnlyDictionary<string, string>>(),
    };

    private static async Task<List<string>> CallsAsync(Action<MilterPartConditions> when, Envelope envelope, List<string>? other = null)
    {
        List<string> calls = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("conditional", calls), p => when(p.When))
            .Add(Part("always", other ?? []))
            .Build();
        var outcome = await SendAsync(pipeline, envelope);
        Assert.True(outcome.Accepted);
        return Steps(calls);
    }

    [Fact]
    public async Task A_client_outside_the_networks_is_not_shown_to_the_part_at_all()
    {
        var inside = await CallsAsync(w => w.ClientNetworks = ["192.0.2.0/24", "2001:db8::/32"], From("192.0.2.7"));
        var outside = await CallsAsync(w => w.ClientNetworks = ["192.0.2.0/24"], From("198.51.100.7"));

        Assert.Contains("eom", inside);
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Authenticated_only_reads_auth_authen_at_MAIL()
    {
        Assert.Contains("eom", await CallsAsync(w => w.AuthenticatedOnly = true, From("192.0.2.7", authenticated: true)));
        Assert.DoesNotContain(await CallsAsync(w => w.AuthenticatedOnly = true, From("192.0.2.7")), c => c.StartsWith("mail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_predicate_sees_the_connection_and_sender_at_MAIL()
    {
        Assert.Contains("eom", await CallsAsync(w => w.Predicate = c => c.Sender?.Address.StartsWith("sender@", StringComparison.Ordinal) == true, From("192.0.2.7")));
        Assert.DoesNotContain("eom", await CallsAsync(w => w.Predicate = c => c.HeloName == "elsewhere", From("192.0.2.7")));
    }

    [Fact]
    public async Task Recipient_domains_show_only_their_recipients_and_a_message_with_none_ends_for_the_part_with_its_abort()
    {
        var mixed = await CallsAsync(w => w.RecipientDomains = [".example.org"], Envelope("a@other.test", "b@mail.example.org"));
        var none = await CallsAsync(w => w.RecipientDomains = ["example.org"], Envelope("a@other.test"));

        Assert.Equal(["rcpt <b@mail.example.org>"], mixed.Where(c => c.StartsWith("rcpt", StringComparison.Ordinal)));
        Assert.Contains("eom", mixed);
        Assert.DoesNotContain(none, c => c.StartsWith("rcpt", StringComparison.Ordinal));
        Assert.Equal("abort", none[^1]);
        Assert.DoesNotContain("data", none);
    }
}
