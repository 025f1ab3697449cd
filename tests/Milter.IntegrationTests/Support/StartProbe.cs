namespace Milter.IntegrationTests.Support;

/// <summary>
/// Whether a server the tests run privately (redis-server, haproxy) can start on this machine: installed, and one
/// instance started and stopped, once per test run. <see cref="Reason"/> is why not, for <c>Assert.Skip</c>, or null.
/// </summary>
internal sealed class StartProbe(string program, string package, Func<Task<IAsyncDisposable>> start)
{
    private readonly Lazy<string?> _reason = new(() => Probe(program, package, start));

    public string? Reason => _reason.Value;

    private static string? Probe(string program, string package, Func<Task<IAsyncDisposable>> start)
    {
        if (!File.Exists(program))
            return $"{package} is not installed (./test.sh installs it when run as root: apt-get install {package})";
        try
        {
            Task.Run(async () =>
            {
                await using var started = await start();
            }).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return $"{Path.GetFileName(program)} cannot start here: {e.Message}";
        }
    }
}
