using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace Milter.State.Tests;

/// <summary>
/// Every exception the store clients raise has a kind and a one-line reason, including those no fault test can make
/// on demand (the issue saw InvalidOperationException and TaskCanceledException from a frozen Redis).
/// </summary>
public sealed class FaultKindTests
{
    public static TheoryData<Exception, StoreFault> RedisErrors => new()
    {
        { new RedisTimeoutException("Timeout awaiting response (outbound=0KiB, inbound=0KiB, 2000ms elapsed)", CommandStatus.Sent), StoreFault.Timeout },
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect"), StoreFault.ConnectionFailed },
        { new RedisConnectionException(ConnectionFailureType.SocketFailure, "SocketFailure on 10.0.0.5:6379"), StoreFault.ConnectionFailed },
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is active/available",
            new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, "AuthenticationFailure", new RedisServerException("WRONGPASS invalid username-password pair"))), StoreFault.AuthenticationFailed },
        { new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, "AuthenticationFailure", new AuthenticationException("The remote certificate was rejected")), StoreFault.CertificateRejected },
        { new RedisConnectionException(ConnectionFailureType.ProtocolFailure, "Protocol failure", new InvalidOperationException("unexpected byte")), StoreFault.ProtocolError },
        { new RedisConnectionException(ConnectionFailureType.ConnectionDisposed, "disposed"), StoreFault.Closed },
        { new RedisConnectionException(ConnectionFailureType.Loading, "LOADING"), StoreFault.ServerError },
        { new RedisServerException("NOAUTH Authentication required."), StoreFault.AuthenticationFailed },
        { new RedisServerException("READONLY You can't write against a read only replica."), StoreFault.ServerError },
        { new RedisServerException("OOM command not allowed when used memory > 'maxmemory'."), StoreFault.ServerError },
        { new ObjectDisposedException("ConnectionMultiplexer"), StoreFault.Closed },
        { new TaskCanceledException(), StoreFault.ConnectionFailed },
        { new InvalidCastException("Unable to cast RedisResult"), StoreFault.ProtocolError },
        { new SocketException((int)SocketError.HostNotFound), StoreFault.UnknownHost },
        { new SocketException((int)SocketError.ConnectionRefused), StoreFault.ConnectionFailed },
        { new IOException("Broken pipe"), StoreFault.ConnectionFailed },
        { new InvalidOperationException("Reading is not allowed after reader was completed."), StoreFault.Other },
    };

    public static TheoryData<int, StoreFault> SqliteCodes => new()
    {
        { 5, StoreFault.Locked },                 // SQLITE_BUSY
        { 6, StoreFault.Locked },                 // SQLITE_LOCKED
        { 8, StoreFault.ReadOnly },               // SQLITE_READONLY
        { 8 | (4 << 8), StoreFault.ReadOnly },    // SQLITE_READONLY_DBMOVED: extended codes count by their primary
        { 10, StoreFault.IOError },               // SQLITE_IOERR
        { 10 | (3 << 8), StoreFault.IOError },    // SQLITE_IOERR_WRITE
        { 11, StoreFault.Corrupt },               // SQLITE_CORRUPT
        { 13, StoreFault.DiskFull },              // SQLITE_FULL
        { 14, StoreFault.CannotOpen },            // SQLITE_CANTOPEN
        { 26, StoreFault.Corrupt },               // SQLITE_NOTADB
        { 1, StoreFault.Other },                  // SQLITE_ERROR
    };

    [Theory]
    [MemberData(nameof(RedisErrors))]
    public void Every_Redis_client_error_has_a_kind_and_a_reason_of_one_short_line(Exception error, StoreFault kind)
    {
        var (fault, reason) = RedisFaults.Classify(error);
        Assert.Equal(kind, fault);
        Assert.InRange(reason.Length, 1, 200);
        Assert.DoesNotContain('\n', reason);
    }

    [Theory]
    [MemberData(nameof(SqliteCodes))]
    public void Every_SQLite_result_code_has_a_kind(int code, StoreFault kind) =>
        Assert.Equal(kind, SqliteFaults.Classify(new SqliteException($"SQLite Error {code & 0xFF}: 'something'.", code)).Fault);
}
