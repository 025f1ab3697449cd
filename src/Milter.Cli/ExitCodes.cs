namespace Milter.Cli;

/// <summary>What milter-test returns, so scripts and health checks can tell the outcomes apart.</summary>
internal static class ExitCodes
{
    public const int Accepted = 0;
    public const int Error = 1;
    public const int Rejected = 2;
    public const int Tempfailed = 3;
    public const int Discarded = 4;
}
