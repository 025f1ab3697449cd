using System.Text;
using Milter.Protocol;

namespace Milter.Tests.Session;

/// <summary>
/// The macros in scope, as libmilter keeps them: a lookup finds the latest stage's value first, a new packet for a
/// stage replaces that stage's macros, and a new command drops the stages after it. All stages share one store, whose
/// dropped bytes are reclaimed as packets keep coming over a long connection.
/// </summary>
public class MacroScopeTests
{
    private static MacroCommand Packet(char forCommand, params string[] namesAndValues)
    {
        var text = forCommand + string.Concat(namesAndValues.Select(part => part + "\0"));
        return MacroCommand.Parse(Encoding.UTF8.GetBytes(text));
    }

    private static void Set(MilterMacros macros, char forCommand, params string[] namesAndValues) =>
        Assert.True(macros.Set((byte)forCommand, Packet(forCommand, namesAndValues)));

    [Fact]
    public void The_latest_stage_wins_and_the_earlier_value_returns_when_that_stage_goes_out_of_scope()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "j", "mx.example.net", "{daemon_name}", "mx");
        Set(macros, 'M', "{daemon_name}", "submission", "i", "4AbC");

        Assert.Equal("submission", macros["daemon_name"]);
        Assert.Equal("submission", macros["{daemon_name}"]);
        Assert.Equal("mx.example.net", macros["j"]);

        macros.ClearFrom(MacroStage.Mail, keepStage: false);
        Assert.Equal("mx", macros["daemon_name"]);
        Assert.Null(macros["i"]);
    }

    [Fact]
    public void A_new_packet_for_a_stage_replaces_that_stage_only()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "j", "mx.example.net");
        Set(macros, 'R', "{rcpt_addr}", "a@dest.test", "{rcpt_host}", "dest.test");
        Set(macros, 'R', "{rcpt_addr}", "b@dest.test");

        Assert.Equal("b@dest.test", macros["rcpt_addr"]);
        Assert.Null(macros["rcpt_host"]);
        Assert.Equal("mx.example.net", macros["j"]);
    }

    [Fact]
    public void The_version_moves_with_every_change_a_lookup_can_see_and_only_then()
    {
        // The session keeps the queue id it looked up until the version moves: a change it missed would log a stale id.
        var macros = new MilterMacros();
        var seen = macros.Version;
        void Moved(bool expected)
        {
            Assert.Equal(expected, macros.Version != seen);
            seen = macros.Version;
        }

        Set(macros, 'M', "i", "4AbC");
        Moved(true);
        macros.ClearFrom(MacroStage.Rcpt, keepStage: false); // nothing held there
        Moved(false);
        Assert.False(macros.Set((byte)'Q', Packet('Q', "i", "x"))); // a command byte libmilter ignores
        Moved(false);
        Set(macros, 'M', "i", "5XyZ");
        Moved(true);
        Assert.Equal("5XyZ", macros["i"]);
        Set(macros, 'M');
        Moved(true);
        Assert.Null(macros["i"]);
        Set(macros, 'C', "j", "mx.example.net");
        Moved(true);
        macros.Clear();
        Moved(true);
    }

    [Fact]
    public void A_name_that_is_not_ascii_matches_its_own_text_only()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "{café}", "yes", "{cafe}", "no");

        Assert.Equal("yes", macros["café"]);
        Assert.Equal("no", macros["cafe"]);
        Assert.Null(macros["caf"]);
    }

    [Fact]
    public void Within_one_packet_the_last_of_two_with_one_name_wins()
    {
        var macros = new MilterMacros();
        Set(macros, 'M', "i", "first", "i", "second");

        Assert.Equal("second", macros["i"]);
        Assert.Equal("second", macros.GetStage(MacroStage.Mail)["i"]);
    }

    [Fact]
    public void A_command_keeps_its_own_packet_and_drops_the_later_stages()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "j", "mx.example.net");
        Set(macros, 'M', "i", "Q1");
        Set(macros, 'R', "{rcpt_addr}", "a@dest.test");
        Set(macros, 'E', "{msg_id}", "<1@origin.test>");

        // The next message's MAIL packet comes before the MAIL command that scopes it.
        Set(macros, 'M', "i", "Q2");
        macros.ClearFrom(MacroStage.Mail, keepStage: true);

        Assert.Equal("Q2", macros["i"]);
        Assert.Null(macros["rcpt_addr"]);
        Assert.Null(macros["msg_id"]);
        Assert.Equal(new Dictionary<string, string> { ["j"] = "mx.example.net", ["i"] = "Q2" }, macros.ToDictionary());
    }

    [Fact]
    public void Stages_are_read_apart_and_together()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "j", "mx.example.net", "_", "client.test [192.0.2.1]");
        Set(macros, 'H', "{tls_version}", "TLSv1.3");
        Set(macros, 'M', "j", "relay.example.net");

        Assert.Equal(new Dictionary<string, string> { ["j"] = "mx.example.net", ["_"] = "client.test [192.0.2.1]" }, macros.GetStage(MacroStage.Connect));
        Assert.Equal(new Dictionary<string, string> { ["tls_version"] = "TLSv1.3" }, macros.GetStage(MacroStage.Helo));
        Assert.Empty(macros.GetStage(MacroStage.Rcpt));
        Assert.Equal("relay.example.net", macros.ToDictionary()["j"]);
    }

    [Fact]
    public void Command_bytes_libmilter_ignores_store_nothing()
    {
        var macros = new MilterMacros();

        Assert.False(macros.Set((byte)'L', Packet('L', "j", "mx")));
        Assert.Null(macros["j"]);
    }

    [Fact]
    public void A_long_connection_keeps_every_value_right_while_dropped_bytes_are_reclaimed()
    {
        var macros = new MilterMacros();
        Set(macros, 'C', "j", "mx.example.net", "{daemon_name}", "mx", "{if_addr}", "192.0.2.25");
        Set(macros, 'H', "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384");
        for (var message = 0; message < 2_000; message++)
        {
            Set(macros, 'M', "i", $"Q{message}", "{mail_addr}", new string('s', message % 97) + "@origin.test");
            macros.ClearFrom(MacroStage.Mail, keepStage: true);
            for (var rcpt = 0; rcpt < 3; rcpt++)
            {
                Set(macros, 'R', "{rcpt_addr}", $"r{rcpt}-{message}@dest.test");
                macros.ClearFrom(MacroStage.Rcpt, keepStage: true);
                Assert.Equal($"r{rcpt}-{message}@dest.test", macros["rcpt_addr"]);
            }

            Set(macros, 'E', "{msg_id}", $"<{message}@origin.test>");
            macros.ClearFrom(MacroStage.EndOfMessage, keepStage: true);

            Assert.Equal($"Q{message}", macros["i"]);
            Assert.Equal(new string('s', message % 97) + "@origin.test", macros["mail_addr"]);
            Assert.Equal($"<{message}@origin.test>", macros["msg_id"]);
            Assert.Equal("mx.example.net", macros["j"]);
            Assert.Equal("TLS_AES_256_GCM_SHA384", macros["cipher"]);
        }

        macros.Clear();
        Assert.Empty(macros.ToDictionary());
    }
}
