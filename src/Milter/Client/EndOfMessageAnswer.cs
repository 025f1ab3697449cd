using Milter.Protocol;

namespace Milter.Client;

/// <summary>What the milter answered at end of message: its changes in order, the final verdict, and how many PROGRESS packets came first.</summary>
public sealed record EndOfMessageAnswer(IReadOnlyList<MilterResponse> Actions, MilterResponse Verdict, int ProgressCount);
