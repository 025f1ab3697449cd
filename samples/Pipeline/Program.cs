// Two filters served as one milter on one socket: the site's policy, live, and a new rule rolled out in dry run.
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
