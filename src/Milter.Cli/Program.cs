// milter-test ADDRESS MESSAGE.eml [options]: see Usage in MilterTestCommand.cs.
using Milter.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await MilterTestCommand.RunAsync(args, Console.Out, stop.Token);
