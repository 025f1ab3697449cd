// actions: HeaderSigner = AddHeaders
// runs: HeaderSigner = Accept; InsertHeader
// A signing milter as people write them: headers and body collected, the work done off the thread, an injected signer.
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Corpus.Signing;

public interface ISigner
{
    string Sign(IReadOnlyList<(string Name, string Value)> headers, byte[] bodyHash);
}

public sealed class HmacSigner(byte[] key) : ISigner
{
    public string Sign(IReadOnlyList<(string Name, string Value)> headers, byte[] bodyHash)
    {
        var text = string.Join("\n", headers.Where(h => h.Name is "From" or "Subject" or "Date").Select(h => $"{h.Name.ToLowerInvariant()}:{h.Value.Trim()}"));
        byte[] data = [.. Encoding.UTF8.GetBytes(text), .. bodyHash];
        return Convert.ToBase64String(HMACSHA256.HashData(key, data));
    }
}

[MailFilter("signer")]
public sealed partial class HeaderSigner(ISigner signer, ILogger<HeaderSigner> log)
{
    private readonly List<(string Name, string Value)> _headers = [];
    private readonly IncrementalHash _body = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    [OnHeader]
    public void Header(string name, string value) => _headers.Add((name, value));

    [OnBody]
    public void Body(ReadOnlyMemory<byte> chunk) => _body.AppendData(chunk.Span);

    [OnEndOfMessage]
    public async ValueTask<MilterVerdict> End(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var hash = _body.GetHashAndReset();
        var signature = await Task.Run(() => signer.Sign(_headers, hash), cancellationToken);
        message.InsertHeader(0, "X-Signature", $"v=1; b={signature}");
        log.LogInformation("{QueueId}: signed {Count} headers", message.QueueId, _headers.Count);
        _headers.Clear();
        return MilterVerdict.Accept;
    }

    [OnAbort]
    public void Abort()
    {
        _headers.Clear();
        _body.GetHashAndReset();
    }
}
