// A milter process for the lifetime tests (signals, exit codes, a second instance, a stuck handler):
//   Milter.ProcessHost run ADDRESS [--stuck] [--shutdown-timeout MS]      MilterServer.RunAsync
//   Milter.ProcessHost host SETTINGS.json [--stuck]                       the generic host, settings reloadable
// --stuck: the end-of-message handler blocks its thread for good and ignores its token.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Hosting;
using Milter.ProcessHost;
using Milter.Server;

Stamp.Stuck = args.Contains("--stuck");
if (args[0] == "run")
{
    var options = new MilterServerOptions { Listen = { args[1] } };
    var timeout = Array.IndexOf(args, "--shutdown-timeout");
    if (timeout > 0)
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(int.Parse(args[timeout + 1], System.Globalization.CultureInfo.InvariantCulture));
    return await MilterServer.RunAsync<Stamp>(options);
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddJsonFile(Path.GetFullPath(args[1]), optional: false, reloadOnChange: false);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.AddMilter<Stamp>();
await builder.Build().RunAsync();
return Environment.ExitCode;
