// DKIM signing and verification, ARC, SPF and DMARC on the generic host, configured like OpenDKIM: settings from
// appsettings.json ("AuthMilter"), the listen address from "Milter" (or --Milter:Listen:0 inet:8894@127.0.0.1).
//
//   dotnet run --project samples/AuthMilter
using AuthMilter;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json (and the keys it names) beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddAuthPolicy();
builder.Services.AddMilter<AuthFilter>();
await builder.Build().RunAsync();
