namespace Milter.IntegrationTests.Support;

/// <summary>
/// Messages for DKIM between us and OpenDKIM: what breaks signers in practice (folding, whitespace, 8-bit bodies and
/// headers, MIME, empty and dot-started lines, trailing blank lines). DOMAIN stands for the signing domain.
/// </summary>
internal static class DkimCorpus
{
    public static IReadOnlyList<(string Name, string Text)> Messages { get; } =
    [
        ("plain", Headers("plain") + "\nHello.\nSecond line.\n"),
        ("folded headers", """
            From: "Alice Example"
             <alice@DOMAIN>
            To: bob@dest.test,
            	carol@dest.test,   dave@dest.test
            Subject:   a subject with  inner   spaces	and a tab
              folded onto   a second line
            Date: Mon, 23 Nov 2026 10:00:00 +0000
            Message-ID: <folded@DOMAIN>
            X-Trailing: value with trailing spaces   
            MIME-Version: 1.0
            Content-Type: text/plain;
            	charset=us-ascii

            Body.

            """),
        ("8-bit body", Headers("8bit", "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")
            + "\nGrüße aus Köln, ½ € ∑.   \nTrailing spaces and\ttabs\t \n  leading spaces\n"),
        ("8-bit header", Headers("8bit header", "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n").Replace("Subject: 8bit header", "Subject: Grüße, 8-bit header", StringComparison.Ordinal)
            + "\nUmlaute: äöü.\n"),
        ("multipart", Headers("multipart", "Content-Type: multipart/mixed; boundary=\"b1\"\n") + """

            preamble

            --b1
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Text with ümlaut.

            --b1
            Content-Type: application/octet-stream; name="data.bin"
            Content-Transfer-Encoding: base64
            Content-Disposition: attachment; filename="data.bin"

            AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4
            OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ubw==
            --b1--
            epilogue

            """),
        ("blank lines at the end", Headers("blank lines") + "\nText\n \n\t\n\n\n\n"),
        ("empty body", Headers("empty body") + "\n"),
        ("dots and long lines", Headers("dots") + "\n.starts with a dot\n..two dots\n.\n" + new string('x', 900) + "\nend\n"),
    ];

    private static string Headers(string subject, string extra = "") =>
        $"From: Alice <alice@DOMAIN>\nTo: Bob <bob@dest.test>\nSubject: {subject}\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <{subject.Replace(' ', '-')}@DOMAIN>\nMIME-Version: 1.0\n{extra}";
}
