// Logs every milter event with its data (pymilter's Milter.Milter sample, on the generic host).
//
//   dotnet run --project samples/EventLogger -- --Milter:Listen:0 inet:8893@127.0.0.1
using EventLogger;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddMilter<EventLog>();
await builder.Build().RunAsync();
