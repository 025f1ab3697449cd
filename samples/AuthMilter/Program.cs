// DKIM signing and verification, ARC, SPF and DMARC on the generic host, configured like OpenDKIM: settings from
// appsettings.json ("AuthMilter"), the listen address from "Milter" (or --Milter:Listen:0 inet:8894@127.0.0.1).
//
//   dotnet run --project samples/AuthMilter
//   dotnet run --project samples/AuthMilter -- dmarc-report 2026-12-07 /var/lib/auth-milter/reports
using AuthMilter;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json (and the keys it names) beside the binary, wherever it is started from (systemd starts it in /).
// dmarc-report DAY [FOLDER] comes first; the settings that follow are read as usual (a folder such as /tmp/x would read
// as the option --tmp/x).
var command = args is ["dmarc-report", ..] ? args[1..].TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray() : null;
var settingsArguments = command is null ? args : args[(command.Length + 1)..];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settingsArguments, ContentRootPath = AppContext.BaseDirectory });
if (command is not null)
    return await DmarcReportCommand.RunAsync(builder.Configuration, command);
try
{
    builder.AddAuthPolicy();
}
catch (UnsafeKeyException e)
{
    // One line, as OpenDKIM says it, and EX_CONFIG: systemd shows why the filter did not start.
    await Console.Error.WriteLineAsync($"auth-milter: {e.Message}");
    return 78;
}

builder.Services.AddMilter<AuthFilter>();
await builder.Build().RunAsync();
return 0;
