// The perf milters of tests/perf/compare.sh:   Milter.Perf [--ordinary | --part NAME | --pipeline] ADDRESS   e.g. inet:8890@127.0.0.1
// The minimal filter (PerfFilter) by default, the ordinary one (OrdinaryFilter) with --ordinary, one of the ordinary
// filter's three parts (ChainParts.cs: stamp, subject, recipient) with --part, the three composed on one socket with
// --pipeline (MilterPipeline, which only this engine has). It builds against the
// baseline commit's engine too (compare.sh copies this project there), so it uses only what both engines offer.
// On SIGUSR1 it prints "allocated_bytes=N" (all threads, since start) on standard output, so the script can take
// the allocations of a load run as the difference of two readings, with what the GC holds (committed, heap after the
// last collection) to tell the managed heap's share of the RSS.
using System.Globalization;
using System.Runtime.InteropServices;
using Milter.Perf;
using Milter.Server;

const int SigUsr1 = 10; // Linux x64 and arm64; PosixSignal names only the portable signals
using var report = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
{
    context.Cancel = true; // SIGUSR1 would otherwise end the process
    var gc = GC.GetGCMemoryInfo();
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"allocated_bytes={GC.GetTotalAllocatedBytes(precise: true)} gc_committed_bytes={gc.TotalCommittedBytes} gc_heap_bytes={gc.HeapSizeBytes}"));
    Console.Out.Flush();
});
#if BASELINE_ENGINE
await MilterServer.RunAsync<OrdinaryFilter>(args is ["--ordinary", .. var addresses] ? addresses : args);
#else
if (args is ["--ordinary", .. var addresses])
    await MilterServer.RunAsync<OrdinaryFilter>(addresses);
else if (args is ["--part", "stamp", .. var stampAt])
    await MilterServer.RunAsync<StampPart>(stampAt);
else if (args is ["--part", "subject", .. var subjectAt])
    await MilterServer.RunAsync<SubjectPart>(subjectAt);
else if (args is ["--part", "recipient", .. var recipientAt])
    await MilterServer.RunAsync<RecipientPart>(recipientAt);
else if (args is ["--pipeline", .. var pipelineAt])
    await MilterServer.RunAsync(Milter.MilterPipeline.Create("perf").Add<StampPart>().Add<SubjectPart>().Add<RecipientPart>().Build(), Listening(pipelineAt));
else
    await MilterServer.RunAsync<PerfFilter>(args);

static MilterServerOptions Listening(string[] addresses)
{
    var options = new MilterServerOptions();
    foreach (var address in addresses)
        options.Listen.Add(address);
    return options;
}
#endif
