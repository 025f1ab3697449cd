// The minimal attribute-style milter:  dotnet run --project samples/HeaderStamper -- [ADDRESS...]
// Publishes as one NativeAOT binary:   dotnet publish samples/HeaderStamper -c Release -r linux-x64
using Milter.Server;

await MilterServer.RunAsync<HeaderStamper.HeaderStamper>(args.Length > 0 ? args : ["inet:8890@127.0.0.1"]);
