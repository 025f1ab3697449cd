#if (hosted)
// Runs MyMilterFilter on the .NET generic host. Settings come from appsettings.json beside the binary (wherever it is
// started from), environment variables (Milter__Listen__0=unix:/run/mymilter/mymilter.sock) and the command line
// (--Milter:Listen:0 inet:8890@127.0.0.1). SIGTERM lets messages in flight finish; SIGHUP reloads the settings.
using Microsoft.Extensions.Hosting;
using Milter.Hosting;
using MyMilter;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddMilter<MyMilterFilter>();
await builder.Build().RunAsync();
#else
// Runs MyMilterFilter until SIGTERM or Ctrl+C, logging to standard error. The addresses to listen on may be given
// on the command line (inet:PORT@HOST, inet6:PORT@HOST, unix:/path); the exit code says how it ended (0, 64, 70, 73).
using Milter.Server;
using MyMilter;

#if (unix)
return await MilterServer.RunAsync<MyMilterFilter>(args.Length > 0 ? args : ["unix:/run/mymilter/mymilter.sock"]);
#else
return await MilterServer.RunAsync<MyMilterFilter>(args.Length > 0 ? args : ["inet:8890@127.0.0.1"]);
#endif
#endif
