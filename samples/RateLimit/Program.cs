// Rate limiting on the generic host: messages per authenticated user and per client address in a fixed window;
// over the limit, MAIL FROM gets 451 4.7.1 and the time left. Counters in SQLite by default (ratelimit.db); several
// instances count together in Redis with one more setting:
//
//   dotnet run --project samples/RateLimit
//   dotnet run --project samples/RateLimit -- --Milter:Store:Redis redis1:6379
//
// A password never goes on the command line (every user sees it in /proc/PID/cmdline): name a file that holds it,
// and turn TLS on with the CA of Redis's certificate. docs/scaling.md has the systemd unit (LoadCredential=).
//
//   dotnet run --project samples/RateLimit -- --Milter:Store:Redis redis1:6380 --Milter:Store:RedisPasswordFile /etc/milter/redis-password \
//       --Milter:Store:RedisCaFile /etc/milter/redis-ca.crt
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;
using Milter.State;
using RateLimit;

// appsettings.json beside the binary, wherever it is started from (systemd starts it in /).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var settings = new RateLimitSettings();
builder.Configuration.GetSection("RateLimit").Bind(settings);
builder.Services.AddSingleton(settings);
builder.Services.AddMilterStore();
builder.Services.AddMilter<RateLimitFilter>();
await builder.Build().RunAsync();
