using Microsoft.Extensions.Logging;

namespace Milter.State.Tests.Support;

/// <summary>What every fault test checks of the log, and waiting for a store to come back.</summary>
public static class OutageAssertions
{
    public static string Answer(StoreUnavailableAction action) => action == StoreUnavailableAction.Continue ? "Continue (fail open)" : "451 4.3.0";

    /// <summary>The outage's first line names the store, the kind of fault and the answer; no line carries a stack trace.</summary>
    public static void Logged(CapturingLoggers loggers, MilterStore store, StoreUnavailableAction action, params StoreFault[] kinds)
    {
        var warnings = loggers.At(LogLevel.Warning);
        Assert.NotEmpty(warnings);
        Assert.Matches($@"^State store {System.Text.RegularExpressions.Regex.Escape(store.Description)} unavailable \(({string.Join('|', kinds)}): [^\r\n]+\); answering {System.Text.RegularExpressions.Regex.Escape(Answer(action))}$", warnings[0]);
        // A few lines per outage, not one per message.
        Assert.InRange(warnings.Length, 1, 3);
        Assert.Empty(loggers.Exceptions);
        Assert.DoesNotContain(loggers.Lines, l => l.Text.Contains('\n', StringComparison.Ordinal) || l.Text.Contains("   at ", StringComparison.Ordinal));
    }

    public static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the store did not come back within 15 s");
            await Task.Delay(100);
        }
    }
}
