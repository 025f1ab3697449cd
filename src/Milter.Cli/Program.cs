// milter-test: see MilterTestCommandLine; `milter-test --help` lists the commands.
using Milter.Cli;

return await MilterTestCommandLine.Create().Parse(args).InvokeAsync();
