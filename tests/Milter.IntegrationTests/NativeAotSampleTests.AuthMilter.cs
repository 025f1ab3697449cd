using System.Security.Cryptography;
using System.Text;
using Milter.Authentication;
using Milter.Authentication.Tests;
using Milter.IntegrationTests.Support;
using MimeKit;

namespace Milter.IntegrationTests;

public partial class NativeAotSampleTests
{
    private static Task<(string Binary, string Log)> PublishedAuthMilter => Published.SampleAsync("AuthMilter");

    [Fact]
    public async Task The_auth_milter_binary_signs_mail_a_real_Postfix_delivers_and_the_signature_verifies()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var (binary, log) = await PublishedAuthMilter;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        Assert.Equal(["AuthMilter", "AuthMilter.dbg", "appsettings.json"],
            Directory.GetFiles(Path.GetDirectoryName(binary)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var keys = Directory.CreateTempSubdirectory("milter-aot-keys-").FullName;
        try
        {
            using var rsa = RSA.Create(2048);
            var keyFile = Path.Combine(keys, "mail.private");
            await File.WriteAllTextAsync(keyFile, rsa.ExportRSAPrivateKeyPem());
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);  // RequireSafeKeys
            // Started from / as systemd does, configured on the command line as an administrator would in appsettings.json.
            await using var milter = await RunningStamper.StartAsync(binary, port =>
                $"--Milter:Listen:0 inet:{port}@127.0.0.1 --AuthMilter:Domain:0 aot.test --AuthMilter:Selector mail --AuthMilter:KeyFile {keyFile}", workingDirectory: "/");
            await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{milter.Port}");

            var delivered = await DkimInteropRig.RelayAsync(postfix, postfix.SmtpPort,
                "From: <alice@aot.test>\nTo: <bob@dest.test>\nSubject: signed by the published binary\nContent-Type: text/plain; charset=utf-8\n\nGrüße.\n");

            var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(delivered.Replace("\n", "\r\n", StringComparison.Ordinal))));
            Assert.Equal("DKIM-Signature", message.Headers[0].Field);
            var record = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
            var result = Assert.Single(await new DkimVerification().VerifyAsync(message, new FakeDns().Txt("mail._domainkey.aot.test", record)));
            Assert.Equal(AuthResult.Pass, result.Result);
            Assert.Equal(0, await milter.StopAsync());
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }
}
