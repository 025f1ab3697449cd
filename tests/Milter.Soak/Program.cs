// Measures a running milter under the attacks of issue 14 and under long churn; see docs/robustness.md.
//   Milter.Soak idle       ADDRESS PID COUNT            COUNT negotiated idle connections: memory per connection
//   Milter.Soak halfframes ADDRESS PID COUNT            COUNT connections each holding half a 1 MiB frame: memory held, and after
//   Milter.Soak slowloris  ADDRESS                      a frame dripped a byte a second, and a connection that never negotiates: time to close
//   Milter.Soak soak       ADDRESS PID MINUTES [CONCURRENCY]  connections opened, used for 1-5 messages, closed: memory sampled
using System.Globalization;
using Milter.Soak;

var address = Milter.Server.MilterAddress.Parse(args[1]);
var pid = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
var count = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
return args[0] switch
{
    "idle" => await Attacks.IdleAsync(address.EndPoint, pid, count),
    "halfframes" => await Attacks.HalfFramesAsync(address.EndPoint, pid, count),
    "slowloris" => await Attacks.SlowlorisAsync(address.EndPoint),
    "soak" => await Churn.RunAsync(address.Text, pid, TimeSpan.FromMinutes(count), args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 16),
    _ => throw new ArgumentException($"unknown command {args[0]}"),
};
