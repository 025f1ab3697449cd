// DKIM signing and verification, ARC, SPF and DMARC on the generic host, configured like OpenDKIM: settings from
// appsettings.json ("AuthMilter"), the listen address from "Milter" (or --Milter:Listen:0 inet:8894@127.0.0.1).
//
//   dotnet run --project samples/AuthMilter
using AuthMilter;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json (and the keys it names) beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
