// Greylisting on the generic host: the first attempt of each (client network, sender, recipient) is deferred with a
// 451 and the time to wait; the sender's retry after the delay passes, and so does that triplet for weeks after.
// State in SQLite by default (greylist.db); several instances share it in Redis with one more setting:
//
//   dotnet run --project samples/Greylist
//   dotnet run --project samples/Greylist -- --Milter:Store:Redis redis1:6379
//
// A password never goes on the command line (every user sees it in /proc/PID/cmdline): name a file that holds it,
// and turn TLS on with the CA of Redis's certificate. docs/scaling.md has the systemd unit (LoadCredential=).
//
//   dotnet run --project samples/Greylist -- --Milter:Store:Redis redis1:6380 --Milter:Store:RedisPasswordFile /etc/milter/redis-password \
//       --Milter:Store:RedisCaFile /etc/milter/redis-ca.crt
using Greylist;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;
using Milter.State;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var settings = new GreylistSettings();
builder.Configuration.GetSection("Greylist").Bind(settings);
builder.Services.AddSingleton(settings);
builder.Services.AddMilterStore();
builder.Services.AddMilter<GreylistFilter>();
await builder.Build().RunAsync();
