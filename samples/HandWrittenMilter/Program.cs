// A first milter written against the low-level API (IMilterHandler): it stamps a header on every
// message and rejects one recipient.
//
//   dotnet run --project samples/HandWrittenMilter -- [ADDRESS] [--reject RECIPIENT]
//
// ADDRESS is a milter address (default inet:8890@127.0.0.1); RECIPIENT defaults to blocked@example.com.
using HandWrittenMilter;
using Microsoft.Extensions.Logging;
using Milter;
using Milter.Server;

var address = "inet:8890@127.0.0.1";
var rejected = "blocked@example.com";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--reject" && i + 1 < args.Length)
        rejected = args[++i];
    else
        address = args[i];
}

using var loggers = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => console.SingleLine = true)
    .SetMinimumLevel(LogLevel.Information));

// What this milter needs from the MTA: recipients (with a reply), end of message (always), and one action.
var description = new MilterDescription
{
    Steps = MilterSteps.Rcpt,
    Actions = ActionFlags.AddHeaders,
};
var factory = MilterHandlerFactory.Create(description, () => new StampAndReject(rejected));
var options = new MilterServerOptions { Listen = { address } };

await MilterServer.RunAsync(factory, options, loggers);
