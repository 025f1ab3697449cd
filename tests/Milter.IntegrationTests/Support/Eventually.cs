namespace Milter.IntegrationTests.Support;

/// <summary>Waits for a condition that the MTAs reach in their own time (queue runs, retries, health checks).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds} s: {await describe()}");
            await Task.Delay(100);
        }
    }
}
