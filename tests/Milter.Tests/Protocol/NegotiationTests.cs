using Milter.Protocol;

namespace Milter.Tests.Protocol;

public class NegotiationTests
{
    // MTA offers. Postfix 3.7 and Sendmail 8.17 sent the same bytes in the captures.
    private static readonly Dictionary<string, OptionNegotiation> Offers = new()
    {
        ["Postfix 3.7"] = new(6, (ActionFlags)0x1FF, (ProtocolFlags)0x1FFFFF),
        ["Sendmail 8.17"] = new(6, (ActionFlags)0x1FF, (ProtocolFlags)0x1FFFFF),
        ["v2 MTA"] = new(2, (ActionFlags)0x3F, (ProtocolFlags)0x7F),
        ["all-zero masks"] = new(2, ActionFlags.None, ProtocolFlags.None),
        ["no macro lists"] = new(6, (ActionFlags)0xFF, (ProtocolFlags)0x1FFFFF),
    };

    private static readonly MacroRequest[] ProbeMacros =
    [
        new(MacroStage.Connect, ["{client_addr}", "{client_port}", "{client_name}", "{daemon_addr}", "{daemon_port}"]),
        new(MacroStage.Rcpt, ["{rcpt_addr}", "i", "{mail_addr}"]),
    ];

    // Milter wishes; the last three are the negotiations libmilter and pymilter answered in the captures.
    private static readonly Dictionary<string, NegotiationRequest> Wishes = new()
    {
        ["stamper"] = new(ActionFlags.AddHeaders, (ProtocolFlags)0x37B),
        ["needs change sender"] = new(ActionFlags.ChangeSender, ProtocolFlags.None),
        ["pymilter_ref"] = new((ActionFlags)0x1FF, (ProtocolFlags)0x87D3),
        ["libmilter_ref -N"] = new((ActionFlags)0x15, (ProtocolFlags)0xDF080),
        ["probe with macros"] = new((ActionFlags)0x0FF, (ProtocolFlags)0x100400, ProbeMacros),
        ["header macros only"] = new(ActionFlags.AddHeaders, ProtocolFlags.None, [new(MacroStage.Connect, ["j"])]),
    };

    // offer, wishes, expected reply "version/actions/protocol" or "error: <text>", self-answered steps, unavailable options.
    public static TheoryData<string, string, string, uint, uint> Table => new()
    {
        { "Postfix 3.7", "stamper", "6/0x1/0x37B", 0, 0 },
        { "Postfix 3.7", "pymilter_ref", "6/0x1FF/0x87D3", 0, 0 },
        { "Postfix 3.7", "libmilter_ref -N", "6/0x15/0xDF080", 0, 0 },
        { "Postfix 3.7", "probe with macros", "6/0x1FF/0x100400", 0, 0 },
        { "Postfix 3.7", "needs change sender", "6/0x40/0x0", 0, 0 },
        { "Sendmail 8.17", "pymilter_ref", "6/0x1FF/0x87D3", 0, 0 },
        { "Sendmail 8.17", "libmilter_ref -N", "6/0x15/0xDF080", 0, 0 },
        { "v2 MTA", "stamper", "2/0x1/0x7B", 0, 0x300 },
        { "v2 MTA", "libmilter_ref -N", "2/0x15/0x0", 0xDF080, 0 },
        { "v2 MTA", "pymilter_ref", "error: does not offer the actions this milter needs", 0, 0 },
        { "v2 MTA", "needs change sender", "error: does not offer the actions this milter needs: ChangeSender", 0, 0 },
        { "all-zero masks", "stamper", "2/0x1/0x3B", 0, 0x340 },
        { "all-zero masks", "libmilter_ref -N", "error: ChangeHeaders (offered 0xF", 0, 0 },
        { "no macro lists", "header macros only", "6/0x1/0x0", 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Reply_for_each_offer_and_wish(string offer, string wishes, string expected, uint selfAnswered, uint unavailable)
    {
        if (expected.StartsWith("error: ", StringComparison.Ordinal))
        {
            var error = Assert.Throws<MilterProtocolException>(() => OptionNegotiator.Negotiate(Offers[offer], Wishes[wishes]));
            Assert.Equal(MilterProtocolError.Negotiation, error.Error);
            Assert.Contains(expected["error: ".Length..], error.Message, StringComparison.Ordinal);
            return;
        }

        var result = OptionNegotiator.Negotiate(Offers[offer], Wishes[wishes]);

        Assert.Equal(expected, $"{result.Version}/0x{(uint)result.Actions:X}/0x{(uint)result.Protocol:X}");
        Assert.Equal((ProtocolFlags)selfAnswered, result.SelfAnsweredSteps);
        Assert.Equal((ProtocolFlags)unavailable, result.UnavailableOptions);
    }

    [Fact]
    public void Macro_lists_go_out_with_SetMacroLists_when_offered()
    {
        var result = OptionNegotiator.Negotiate(Offers["Postfix 3.7"], Wishes["header macros only"]);

        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.SetMacroLists, result.Actions);
        Assert.Equal(Wishes["header macros only"].MacroRequests, result.Reply.MacroRequests);
        Assert.False(result.MacroListsDropped);
    }

    [Fact]
    public void Macro_lists_are_dropped_when_the_MTA_does_not_take_them()
    {
        var result = OptionNegotiator.Negotiate(Offers["no macro lists"], Wishes["header macros only"]);

        Assert.Empty(result.Reply.MacroRequests);
        Assert.True(result.MacroListsDropped);
    }

    [Theory]
    [InlineData(false, ProtocolFlags.NoReplyBody | ProtocolFlags.NoReplyHeader)]
    [InlineData(true, ProtocolFlags.NoReplyHeader | ProtocolFlags.Skip)]
    public void A_step_the_MTA_cannot_switch_off_is_asked_for_without_reply_and_a_body_is_skipped_where_it_can_be(bool skipOffered, ProtocolFlags expected)
    {
        // An MTA that offers every no-reply bit but not NOBODY or NOHDRS (a milter that only wants end of message): with
        // SKIP the body ends at its first chunk, without it the body streams with no reply to its chunks.
        var offered = ProtocolFlags.All & ~(ProtocolFlags.NoBody | ProtocolFlags.NoHeaders);
        var offer = new OptionNegotiation(6, ActionFlags.All, skipOffered ? offered : offered & ~ProtocolFlags.Skip);
        var request = new NegotiationRequest(ActionFlags.AddHeaders, ProtocolFlags.AllNoSteps);

        var result = OptionNegotiator.Negotiate(offer, request);

        Assert.Equal(expected, result.Protocol & (ProtocolFlags.AllNoReply | ProtocolFlags.Skip));
        Assert.Equal(ProtocolFlags.NoBody | ProtocolFlags.NoHeaders, result.UnavailableOptions);
    }

    [Fact]
    public void Optional_actions_are_taken_where_offered_and_never_fail_negotiation()
    {
        var request = new NegotiationRequest(ActionFlags.AddHeaders, ProtocolFlags.None)
        {
            OptionalActions = ActionFlags.ChangeSender | ActionFlags.Quarantine | ActionFlags.SetMacroLists,
        };

        var full = OptionNegotiator.Negotiate(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), request);
        var old = OptionNegotiator.Negotiate(new OptionNegotiation(2, ActionFlags.Version1Defaults | ActionFlags.Quarantine, ProtocolFlags.Version1Defaults), request);

        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.ChangeSender | ActionFlags.Quarantine, full.Actions);
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.Quarantine, old.Actions);
    }

    [Fact]
    public void The_probe_reply_is_byte_for_byte_what_pymilter_sent_in_the_capture()
    {
        var result = OptionNegotiator.Negotiate(Offers["Postfix 3.7"], Wishes["probe with macros"] with { Actions = (ActionFlags)0x1FF });
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        result.Reply.WriteTo(buffer);

        var capture = Support.Capture.Load("postfix-3.7-probe-leadspc-e2e.txt");
        var captured = capture.Connections[0].Packets.First(p => !p.FromMta && p.Command == (byte)'O');
        Assert.Equal(captured.Bytes.ToArray(), buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void The_version_is_the_lower_of_the_offer_and_6()
    {
        Assert.Equal(6u, OptionNegotiator.Negotiate(new OptionNegotiation(7, ActionFlags.All, ProtocolFlags.All), Wishes["stamper"]).Version);
        Assert.Equal(4u, OptionNegotiator.Negotiate(new OptionNegotiation(4, ActionFlags.All, ProtocolFlags.All), Wishes["stamper"]).Version);
    }

    [Fact]
    public void A_version_1_MTA_or_one_below_the_milter_minimum_is_a_clear_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() =>
            OptionNegotiator.Negotiate(new OptionNegotiation(1, ActionFlags.All, ProtocolFlags.All), Wishes["stamper"]));
        Assert.Equal("The MTA offers milter protocol version 1; this milter needs at least version 2.", error.Message);

        error = Assert.Throws<MilterProtocolException>(() =>
            OptionNegotiator.Negotiate(new OptionNegotiation(4, ActionFlags.All, ProtocolFlags.All), Wishes["stamper"] with { MinimumVersion = 6 }));
        Assert.Contains("needs at least version 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_protocol_bits_are_never_requested()
    {
        var result = OptionNegotiator.Negotiate(new OptionNegotiation(6, ActionFlags.All, (ProtocolFlags)0x301FFFFF),
            new NegotiationRequest(ActionFlags.None, (ProtocolFlags)0x30000000 | ProtocolFlags.NoBody));
        Assert.Equal(ProtocolFlags.NoBody, result.Protocol);
    }
}
