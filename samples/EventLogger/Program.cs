// Logs every milter event with its data (pymilter's Milter.Milter sample, on the generic host).
//
//   dotnet run --project samples/EventLogger -- --Milter:Listen:0 inet:8893@127.0.0.1
using EventLogger;
using Microsoft.Extensions.Hosting;
using Milter.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddMilter<EventLog>();
await builder.Build().RunAsync();
