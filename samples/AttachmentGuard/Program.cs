// An attachment guard on the generic host: defangs attachments by extension (inside zip archives too) and
// removes scripts from HTML. Settings from appsettings.json ("AttachmentGuard"), the listen address from
// "Milter" (or --Milter:Listen:0 inet:8893@127.0.0.1).
//
//   cd samples/AttachmentGuard && dotnet run      (in its folder: the host reads appsettings.json from the current one)
using AttachmentGuard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var settings = new GuardSettings();
builder.Configuration.GetSection("AttachmentGuard").Bind(settings);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(settings.CreatePolicy());
builder.Services.AddMilter<Guard>();
await builder.Build().RunAsync();
