// A recipient policy milter on the generic host: rules from appsettings.json ("Policy" section), the listen
// address from "Milter" (or --Milter:Listen:0 inet:8892@127.0.0.1).
//
//   cd samples/RecipientPolicy && dotnet run      (in its folder: the host reads appsettings.json from the current one)
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;
using RecipientPolicy;

var builder = Host.CreateApplicationBuilder(args);
var rules = new PolicyRules();
builder.Configuration.GetSection("Policy").Bind(rules);
builder.Services.AddSingleton(rules);
builder.Services.AddMilter<Policy>();
await builder.Build().RunAsync();
