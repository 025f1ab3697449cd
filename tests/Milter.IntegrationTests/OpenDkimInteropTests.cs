using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// The AuthMilter sample and OpenDKIM side by side behind real Postfix instances, with keys in a real DNS server: each
/// signs the corpus (relaxed and simple), each verifies what both signed, and they must agree on every message, broken
/// ones included.
/// </summary>
[Collection(MailDns.Collection)]
public sealed partial class OpenDkimInteropTests(DkimInteropRig rig) : IClassFixture<DkimInteropRig>
{
    private Task<IReadOnlyList<(string Signer, string Message, string Signed)>> SignCorpusAsync()
    {
        if (rig.Unavailable is { } reason)
            Assert.Skip(reason);
        return rig.SignCorpusAsync();
    }

    [Fact]
    public async Task Every_message_either_side_signs_verifies_with_both_and_they_agree()
    {
        var signed = await SignCorpusAsync();

        var disagreements = new List<string>();
        foreach (var (signer, message, text) in signed)
        {
            var (ours, openDkim) = await rig.VerifyAsync(text);
            var expected = signer.StartsWith("ours relaxed", StringComparison.Ordinal) ? ["ours.test ed pass", "ours.test rsa pass"]
                : signer.StartsWith("ours", StringComparison.Ordinal) ? new[] { "ours.test rsa pass" } : ["odkim.test sel pass"];
            if (!ours.SequenceEqual(expected) || !openDkim.SequenceEqual(expected))
                disagreements.Add($"{signer} / {message}: ours [{string.Join(", ", ours)}], OpenDKIM [{string.Join(", ", openDkim)}]");
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.Equal(DkimCorpus.Messages.Count * 4, signed.Count);
    }

    /// <summary>
    /// Neither passes a broken signature. Where the two answer differently, ours is the RFC 8601 result and OpenDKIM's
    /// is pinned here as it is: "fail" for a key that is missing or revoked (RFC 6376 6.1.2 calls those PERMFAIL, which
    /// A-R writes as permerror), and no Authentication-Results at all when its On-DNSError or On-SignatureError action
    /// is accept (with its default, tempfail, the MTA would have tempfailed the message).
    /// </summary>
    [Fact]
    public async Task Broken_signatures_pass_with_neither_and_each_gives_its_known_result()
    {
        var signed = await SignCorpusAsync();
        var ours = signed.First(s => s.Signer == "ours simple" && s.Message == "plain").Signed;
        var theirs = signed.First(s => s.Signer == "OpenDKIM relaxed" && s.Message == "8-bit body").Signed;
        var unsigned = DkimCorpus.Messages[0].Text.Replace("DOMAIN", "ours.test", StringComparison.Ordinal);
        const string None = DkimInteropRig.NoResults;
        (string Name, string Text, string Ours, string OpenDkim)[] cases =
        [
            ("unsigned", unsigned, "none", "none"),
            ("body changed (ours)", ours.Replace("Second line.", "Second line!", StringComparison.Ordinal), "ours.test rsa fail", "ours.test rsa fail"),
            ("body changed (OpenDKIM)", theirs.Replace("Köln", "Bonn", StringComparison.Ordinal), "odkim.test sel fail", "odkim.test sel fail"),
            ("signed header changed", ours.Replace("Subject: plain", "Subject: plane", StringComparison.Ordinal), "ours.test rsa fail", "ours.test rsa fail"),
            ("oversize key record", Selector().Replace(ours, "s=huge;"), "ours.test huge permerror", "ours.test huge permerror"),
            ("no key in DNS", Selector().Replace(ours, "s=missing;"), "ours.test missing permerror", "ours.test missing fail"),
            ("revoked key", Selector().Replace(ours, "s=revoked;"), "ours.test revoked permerror", "ours.test revoked fail"),
            ("SERVFAIL for the key", Domain().Replace(ours, "d=x.broken.test;"), "x.broken.test rsa temperror", None),
            ("signature without b=", "DKIM-Signature: v=1; a=rsa-sha256; d=ours.test; s=rsa; h=from; bh=abc=\n" + unsigned, "ours.test rsa neutral", None),
        ];

        var results = new List<string>();
        foreach (var (name, text, expectedOurs, expectedOpenDkim) in cases)
        {
            var (mine, openDkim) = await rig.VerifyAsync(text);
            results.Add($"{name}: ours [{string.Join(", ", mine)}], OpenDKIM [{string.Join(", ", openDkim)}]");
            Assert.True(mine.SequenceEqual([expectedOurs]) && openDkim.SequenceEqual([expectedOpenDkim]), string.Join('\n', results));
        }
    }

    [GeneratedRegex(@"s=rsa;")]
    private static partial Regex Selector();

    [GeneratedRegex(@"d=ours\.test;")]
    private static partial Regex Domain();
}
