using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Server;

namespace Milter.Tests.Support;

/// <summary>Starts real socket servers for tests and opens negotiated, connected MTA sessions to them.</summary>
internal static class TestServer
{
    public static async Task<MilterServer> StartAsync(IMilterHandlerFactory factory, Action<MilterServerOptions> configure, ILoggerFactory? loggers = null)
    {
        var options = new MilterServerOptions();
        configure(options);
        if (options.Listen.Count == 0)
            options.Listen.Add("inet:0@127.0.0.1");
        var server = new MilterServer(factory, options, loggers);
        await server.StartAsync();
        return server;
    }

    /// <summary>Connects, negotiates and sends CONNECT.</summary>
    public static async Task<FakeMta> OpenAsync(MilterServer server, int index = 0)
    {
        var mta = await FakeMta.ConnectAsync(server.Addresses[index].EndPoint);
        await mta.NegotiateAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client", ConnectionFamily.IPv4, 1, "192.0.2.1"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        return mta;
    }

    /// <summary>Waits until <paramref name="condition"/> holds; false if it still does not after <paramref name="seconds"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(20);
        }

        return true;
    }
}
