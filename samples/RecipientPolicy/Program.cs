// A recipient policy milter on the generic host: rules from appsettings.json ("Policy" section), the listen
// address from "Milter" (or --Milter:Listen:0 inet:8892@127.0.0.1).
//
//   dotnet run --project samples/RecipientPolicy
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;
using RecipientPolicy;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var rules = new PolicyRules();
builder.Configuration.GetSection("Policy").Bind(rules);
builder.Services.AddSingleton(rules);
builder.Services.AddMilter<Policy>();
await builder.Build().RunAsync();
