// An attachment guard on the generic host: defangs attachments by extension (inside zip archives too) and
// removes scripts from HTML. Settings from appsettings.json ("AttachmentGuard"), the listen address from
// "Milter" (or --Milter:Listen:0 inet:8893@127.0.0.1).
//
//   dotnet run --project samples/AttachmentGuard
using AttachmentGuard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var settings = new GuardSettings();
builder.Configuration.GetSection("AttachmentGuard").Bind(settings);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(settings.CreatePolicy());
builder.Services.AddMilter<Guard>();
await builder.Build().RunAsync();
