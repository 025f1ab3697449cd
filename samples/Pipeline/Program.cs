// Three parts served as one milter on one socket: the site's policy for inbound mail (to example.org), a new rule rolled out in dry run,
// and OpenDKIM (inet:127.0.0.1:8891, an external milter) signing what authenticated clients send; without OpenDKIM running
// its part answers continue (WhenUnavailable), so mail still flows unsigned.
// Settings from appsettings.json (Milter:Pipeline:Parts:new-rule:DryRun); SIGHUP reloads them without a restart.
//
//   dotnet run --project samples/Pipeline
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Hosting;
using Pipeline;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddMilterPipeline(services => Inbound.Build(services, services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline")));
await builder.Build().RunAsync();
