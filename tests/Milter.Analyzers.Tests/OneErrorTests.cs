using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// A filter class with a MILTER error still gets what Program.cs needs (a placeholder IMilterFilter implementation),
/// so the user sees that error on their own line and no CS0311 in Program.cs.
/// </summary>
public class OneErrorTests
{
    private const string Program = """
        public static class Program
        {
            public static Task<int> Main(string[] args) => Milter.Server.MilterServer.RunAsync<Corpus.F>(args);
        }
        """;

    public static TheoryData<string, string> Faults => new()
    {
        { "MILTER002", "[OnEndOfMessage] public int End(EndOfMessageContext message) => 0;" },
        { "MILTER003", "[OnHelo] public void A(string h) { } [OnHelo] public void B(string h) { }" },
        { "MILTER004", "[OnHelo] public static void A(string h) { }" },
        { "MILTER015", "[OnEndOfMessage] public async void End(EndOfMessageContext message) => await Task.Yield();" },
        { "MILTER019", "[OnHelo] public void A(string h, [Macro(\"{auth_authen\")] string? user) { }" },
        { "MILTER020", "public F(ref int count) { }" },
        { "MILTER021", "[OnHelo, OnData] public void A() { }" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_filter_with_a_MILTER_error_gets_only_that_error(string id, string members)
    {
        var result = await Pipeline.RunAsync(["namespace Corpus; [MailFilter] public partial class F { " + members + " }", Program]);

        Assert.True(result.Ids.SequenceEqual([id]) && result.Compiler.Count == 0, result.ToString());
        Assert.False(result.Completed("F"));
    }

    [Fact]
    public async Task A_filter_without_errors_is_completed_not_replaced()
    {
        var result = await Pipeline.RunAsync(["namespace Corpus; [MailFilter] public partial class F { [OnHelo] public void A(string h) { } }", Program]);

        Assert.True(result.Milter.Count == 0 && result.Compiler.Count == 0, result.ToString());
        Assert.True(result.Completed("F"));
        Assert.DoesNotContain(result.Generated.Keys, k => k.Contains("Placeholder", StringComparison.Ordinal));
    }
}
