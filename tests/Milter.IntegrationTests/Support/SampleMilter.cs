using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Hosting;
using Milter.Server;
using RecipientPolicy;

namespace Milter.IntegrationTests.Support;

/// <summary>A sample (samples/NAME) serving on a free loopback port, started the way its Program.cs starts it.</summary>
internal sealed class SampleMilter : IAsyncDisposable
{
    private readonly Func<ValueTask> _stop;

    private SampleMilter(int port, Func<ValueTask> stop)
    {
        Port = port;
        _stop = stop;
    }

    public int Port { get; }

    public static Task<SampleMilter> StartAsync(string sample) => sample switch
    {
        "HeaderStamper" => ServeAsync(MilterHandlerFactory.For<HeaderStamper.HeaderStamper>()),
        "RecipientPolicy" => HostAsync<Policy>(sample, builder =>
        {
            var rules = new PolicyRules();
            builder.Configuration.GetSection("Policy").Bind(rules);
            builder.Services.AddSingleton(rules);
        }),
        "EventLogger" => HostAsync<EventLogger.EventLog>(sample, _ => { }),
        "HostedStamper" => HostAsync<HostedStamper.Stamp>(sample, builder => builder.Services.AddSingleton(TimeProvider.System)),
        // What it negotiates is written in its Program.cs (top-level statements), around an internal handler: the test
        // runs the built program itself (the project reference puts it next to the tests), with its default arguments.
        "HandWrittenMilter" => RunProgramAsync(sample),
        "AttachmentGuard" => HostAsync<AttachmentGuard.Guard>(sample, builder =>
        {
            var settings = new AttachmentGuard.GuardSettings();
            builder.Configuration.GetSection("AttachmentGuard").Bind(settings);
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(settings.CreatePolicy());
        }),
        "ObservedMilter" => HostAsync<ObservedMilter.RecipientLimit>(sample, builder =>
        {
            var limit = new ObservedMilter.RecipientLimitSettings();
            builder.Configuration.GetSection("RecipientLimit").Bind(limit);
            builder.Services.AddSingleton(limit);
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(sample), sample, "no such sample"),
    };

    /// <summary>The AuthMilter sample with its appsettings.json and <paramref name="settings"/> on top (--AuthMilter:Mode v ...).</summary>
    public static Task<SampleMilter> StartAuthMilterAsync(params string[] settings) =>
        HostAsync<AuthMilter.AuthFilter>("AuthMilter", builder => AuthMilter.AuthMilterSetup.AddAuthPolicy(builder), settings);

    public ValueTask DisposeAsync() => _stop();

    private static async Task<SampleMilter> ServeAsync(IMilterHandlerFactory factory)
    {
        var server = new MilterServer(factory, new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        return new SampleMilter(((IPEndPoint)server.Addresses[0].EndPoint).Port, server.DisposeAsync);
    }

    private static async Task<SampleMilter> RunProgramAsync(string sample)
    {
        var port = FreePorts.One();
        var program = await MilterProcess.StartAsync(port, Path.Combine(AppContext.BaseDirectory, sample), $"inet:{port}@127.0.0.1");
        return new SampleMilter(port, program.DisposeAsync);
    }

    /// <summary>
    /// A generic-host sample as if run in its folder with <c>--Milter:Listen:0 inet:0@127.0.0.1</c>: settings from its
    /// own appsettings.json, <paramref name="register"/> doing what its Program.cs does before <c>AddMilter</c>.
    /// </summary>
    private static async Task<SampleMilter> HostAsync<TFilter>(string sample, Action<HostApplicationBuilder> register, params string[] args)
        where TFilter : IMilterFilter<TFilter>
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Path.Combine(Repository.Root, "samples", sample),
            Args = ["--Milter:Listen:0", "inet:0@127.0.0.1", .. args],
        });
        builder.Logging.ClearProviders(); // the samples log to the console; the test output stays readable without it
        register(builder);
        builder.Services.AddMilter<TFilter>();
        var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<MilterHostedService<TFilter>>().Addresses[0];
        return new SampleMilter(((IPEndPoint)address.EndPoint).Port, async () =>
        {
            await host.StopAsync();
            host.Dispose();
        });
    }
}
