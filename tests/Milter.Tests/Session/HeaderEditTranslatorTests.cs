namespace Milter.Tests.Session;

/// <summary>The index rules measured against Postfix 3.7 and Sendmail 8.17 (see the MTA tests in Milter.IntegrationTests).</summary>
public class HeaderEditTranslatorTests
{
    private static readonly string[] Received = ["From", "To", "Subject", "X-Dup", "X-Dup", "Date"];

    [Fact]
    public void Postfix_gets_the_indexes_as_written()
    {
        var postfix = new HeaderEditTranslator(MtaKind.Postfix, Received);

        Assert.Equal(0u, postfix.Insert(0, "X-Top", "v"));
        Assert.Equal(1u, postfix.Delete("X-Dup", 1));
        Assert.Equal(1u, postfix.Change("X-Dup", 1, "v"));
        Assert.Equal(5u, postfix.Insert(5, "X-Five", "v"));
        Assert.Equal((false, 0u), postfix.Add("Subject", "v"));
    }

    [Fact]
    public void Sendmail_inserts_count_its_seven_hidden_default_headers_below_its_Received()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, Received);

        Assert.Equal(0u, sendmail.Insert(0, "X-Top", "v"));
        // X-Top is now above the Received: the first client header is visible header 2, at list position 9.
        Assert.Equal(9u, sendmail.Insert(2, "X-First", "v"));
        Assert.Equal(12u, sendmail.Insert(5, "X-After-To", "v"));
    }

    [Fact]
    public void Sendmail_keeps_deleted_headers_in_place_and_counts_them()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, Received);

        Assert.Equal(1u, sendmail.Delete("X-Dup", 1));
        // The X-Dup that is first now is Sendmail's second.
        Assert.Equal(2u, sendmail.Change("X-Dup", 1, "v"));
        // Before the visible header 4 (the remaining X-Dup): Received, 7 hidden, From, To, Subject, deleted X-Dup.
        Assert.Equal(12u, sendmail.Insert(4, "X-Before-Dup", "v"));
        // A change past the last copy counts the deleted one too, so it stays past the end.
        Assert.Equal(3u, sendmail.Change("X-Dup", 2, "v"));
    }

    [Fact]
    public void Sendmail_adds_go_past_the_end_so_they_never_take_a_deleted_or_generated_header_place()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, Received);
        sendmail.Delete("Subject", 1);

        var (asInsert, index) = sendmail.Add("Subject", "v");

        Assert.True(asInsert);
        Assert.Equal((uint)int.MaxValue, index);
    }

    [Fact]
    public void Without_the_headers_Sendmail_positions_still_skip_the_hidden_defaults()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, []);

        Assert.Equal(8u, sendmail.Insert(1, "X-One", "v"));
        Assert.Equal(10u, sendmail.Insert(3, "X-Three", "v"));
    }

    [Fact]
    public void Sendmail_adds_of_a_header_it_generates_take_its_place_once()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, ["To", "Subject"]);

        // ADDHEADER, as libmilter sends it: Sendmail fills its hidden Date in, instead of generating a second one.
        Assert.Equal((false, 0u), sendmail.Add("Date", "v"));
        // The default is filled in now: a second Date appends like any other header.
        Assert.Equal((true, (uint)int.MaxValue), sendmail.Add("date", "v"));
        // The filled-in Date is visible header 1, right below the Received:, at list position 2.
        Assert.Equal(2u, sendmail.Insert(1, "X-Above-Date", "v"));
        Assert.Equal(1u, sendmail.Change("Date", 1, "v"));
    }

    [Fact]
    public void Sendmail_change_of_a_missing_generated_header_fills_the_default_so_later_indexes_count_it()
    {
        var sendmail = new HeaderEditTranslator(MtaKind.Sendmail, ["To"]);

        Assert.Equal(1u, sendmail.Change("Message-Id", 1, "v"));
        // Sendmail's Message-Id default (list position 7) is now a header the milter made: visible header 1.
        Assert.Equal(7u, sendmail.Insert(1, "X-Before-Message-Id", "v"));
        Assert.Equal((true, (uint)int.MaxValue), sendmail.Add("Message-Id", "v"));
    }

    [Fact]
    public void An_unknown_MTA_gets_every_change_exactly_as_written_like_libmilter()
    {
        var unknown = new HeaderEditTranslator(MtaKind.Unknown, Received);

        Assert.Equal((false, 0u), unknown.Add("Date", "v"));
        Assert.Equal((false, 0u), unknown.Add("X-Stamped", "v"));
        Assert.Equal(1u, unknown.Delete("X-Dup", 1));
        Assert.Equal(1u, unknown.Change("X-Dup", 1, "v"));
        Assert.Equal(3u, unknown.Insert(3, "X-Three", "v"));
    }

    [Theory]
    [InlineData(MtaKind.Postfix, new[] { "X-Top=top", "From", "Subject=changed", "X-Dup", "Date", "Date=filled" })]
    [InlineData(MtaKind.Sendmail, new[] { "Date=filled", "X-Top=top", "From", "Subject=changed", "X-Dup", "Date" })]
    public void The_visible_headers_are_those_the_MTA_would_show_the_next_milter_in_its_order(MtaKind mta, string[] expected)
    {
        var translator = new HeaderEditTranslator(mta, ["From", "To", "Subject", "X-Dup", "X-Dup", "Date"]);

        translator.Insert(1, "X-Top", "top");
        translator.Delete("To", 1);
        translator.Change("Subject", 1, "changed");
        translator.Delete("X-Dup", 1);
        // Sendmail fills its hidden Date in, below its Received: and so above X-Top (inserted above the first client header); Postfix appends.
        translator.Add("Date", "filled");

        // An untouched header is named by its place in the received list; a changed or added one carries its value.
        var received = new[] { "From", "To", "Subject", "X-Dup", "X-Dup", "Date" };
        Assert.Equal(expected, translator.Visible().Select(h => h.Value is { } value ? $"{h.Name}={value}" : received[h.Source]).ToArray());
        Assert.Equal(4, translator.Visible().Single(h => h.Name == "X-Dup").Source);
    }
}
