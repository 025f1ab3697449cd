using Microsoft.Data.Sqlite;

namespace Milter.State;

/// <summary>What a SQLite error means for an operator: the fault's kind by SQLite's result code, and SQLite's own short message.</summary>
internal static class SqliteFaults
{
    // SQLite's primary result codes (https://www.sqlite.org/rescode.html).
    private const int Perm = 3, Busy = 5, Locked = 6, ReadOnly = 8, Interrupt = 9, IOErr = 10, Corrupt = 11, Full = 13, CantOpen = 14, Auth = 23, NotADb = 26;

    public static (StoreFault Fault, string Reason) Classify(Exception error) => error switch
    {
        SqliteException sqlite => (Kind(sqlite.SqliteErrorCode & 0xFF), FaultText.FirstLine(sqlite.Message)),
        ObjectDisposedException => (StoreFault.Closed, "the database is closed"),
        UnauthorizedAccessException or IOException => (StoreFault.CannotOpen, FaultText.FirstLine(error.Message)),
        _ => (StoreFault.Other, $"{error.GetType().Name}: {FaultText.FirstLine(error.Message)}"),
    };

    private static StoreFault Kind(int code) => code switch
    {
        Busy or Locked => StoreFault.Locked,
        ReadOnly => StoreFault.ReadOnly,
        Full => StoreFault.DiskFull,
        Corrupt or NotADb => StoreFault.Corrupt,
        IOErr => StoreFault.IOError,
        CantOpen or Perm or Auth => StoreFault.CannotOpen,
        Interrupt => StoreFault.Timeout,
        _ => StoreFault.Other,
    };
}
