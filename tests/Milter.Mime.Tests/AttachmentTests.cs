using System.Diagnostics;
using System.Text;
using Milter.Mime.Tests.Support;

namespace Milter.Mime.Tests;

public sealed class AttachmentTests
{
    private static AttachmentScan Scan(byte[] message, ArchiveLimits? limits = null) =>
        Attachments.Scan(TestMessages.Parse(message), limits);

    [Fact]
    public void Names_are_found_in_nested_multiparts_and_forwarded_messages()
    {
        var scan = Scan(TestMessages.Load("nested.eml"));

        Assert.Equal(["logo.png", "invoice-2026-1142.pdf", "payment-details.pdf.exe", "forwarded.eml", "update.js"], scan.Files.Select(f => f.Path));
        Assert.Equal("exe", scan.Files[2].Extension);
        Assert.Empty(scan.Problems);
    }

    [Fact]
    public void A_multipart_with_a_missing_or_unclosed_boundary_is_still_scanned()
    {
        Assert.Empty(Scan(TestMessages.Load("missing-boundary.eml")).Files);
        Assert.Equal(["setup.exe"], Scan(TestMessages.Load("unterminated.eml")).Files.Select(f => f.Name));
    }

    [Fact]
    public void Names_inside_a_zip_and_a_zip_inside_a_zip_are_listed_with_their_path()
    {
        var zip = TestMessages.Zip(
            ("docs/readme.txt", "hello"u8.ToArray()),
            ("inner.zip", new (string, object)[] { ("tools/run.exe", "MZ"u8.ToArray()) }));

        var scan = Scan(TestMessages.WithAttachments(("archive.zip", zip)));

        Assert.Equal(["archive.zip", "archive.zip/readme.txt", "archive.zip/inner.zip", "archive.zip/inner.zip/run.exe"], scan.Files.Select(f => f.Path));
        Assert.All(scan.Files, f => Assert.Same(scan.Files[0].Part, f.Part));
        Assert.Empty(scan.Problems);
    }

    [Fact]
    public void Archives_nested_deeper_than_the_limit_are_a_problem_not_a_descent()
    {
        object content = new (string, object)[] { ("payload.exe", "MZ"u8.ToArray()) };
        for (var level = 6; level >= 1; level--)
            content = new (string, object)[] { ($"level{level}.zip", content) };
        var zip = TestMessages.Zip(((string, object)[])content);

        var scan = Scan(TestMessages.WithAttachments(("deep.zip", zip)), new ArchiveLimits { MaxDepth = 3 });

        Assert.Equal(["deep.zip", "deep.zip/level1.zip", "deep.zip/level1.zip/level2.zip", "deep.zip/level1.zip/level2.zip/level3.zip"], scan.Files.Select(f => f.Path));
        var problem = Assert.Single(scan.Problems);
        Assert.Contains("nested more than 3 deep", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip_bomb_costs_bounded_work_and_is_reported()
    {
        // 200 MiB of zeros inflates from about 200 KiB; nested twice, as the classic bombs do.
        var zeros = new byte[200 * 1024 * 1024];
        var bomb = TestMessages.Zip(("layer.zip", new (string, object)[] { ("zeros.zip", zeros) }));
        zeros = null;
        Assert.True(bomb.Length < 1024 * 1024);
        var limits = new ArchiveLimits { MaxBytes = 16 * 1024 * 1024 };

        var started = Stopwatch.GetTimestamp();
        var scan = Scan(TestMessages.WithAttachments(("bomb.zip", bomb)), limits);

        var problem = Assert.Single(scan.Problems);
        Assert.Equal("bomb.zip/layer.zip/zeros.zip", problem.Path);
        Assert.Contains("over the limit", problem.Reason, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"zip bomb scanned in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Too_many_entries_stop_the_listing()
    {
        var entries = Enumerable.Range(0, 500).Select(i => ($"f{i}.txt", (object)Array.Empty<byte>())).ToArray();
        var scan = Scan(TestMessages.WithAttachments(("many.zip", TestMessages.Zip(entries))), new ArchiveLimits { MaxEntries = 100 });

        Assert.Equal(101, scan.Files.Count);
        Assert.Contains("more than 100 archive entries", Assert.Single(scan.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_zip_is_a_problem_not_an_exception()
    {
        var zip = TestMessages.Zip(("a.txt", "text"u8.ToArray()));
        var damaged = zip[..(zip.Length / 2)];
        var garbage = Encoding.ASCII.GetBytes("this is not a zip at all");

        var scan = Scan(TestMessages.WithAttachments(("half.zip", damaged), ("fake.zip", garbage)));

        Assert.Equal(["half.zip", "fake.zip"], scan.Problems.Select(p => p.Path));
        Assert.All(scan.Problems, p => Assert.Contains("not a readable zip archive", p.Reason, StringComparison.Ordinal));
    }
}
