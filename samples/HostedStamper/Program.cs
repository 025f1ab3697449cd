// The header stamper on the .NET generic host: settings from appsettings.json, environment variables
// (Milter__Listen__0=unix:/run/stamp/stamp.sock) or the command line (--Milter:Listen:0 inet:8891@127.0.0.1),
// validated at start-up; logs through the host; SIGTERM stops it gracefully; systemd notification when run by systemd.
//
//   dotnet run --project samples/HostedStamper
using HostedStamper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddMilter<Stamp>();
await builder.Build().RunAsync();
