using System.Diagnostics;

namespace Milter.State.Tests.Support;

/// <summary>
/// Certificates made with openssl for a TLS Redis on 127.0.0.1: a CA and the server's certificate it signed, a client
/// certificate it signed, and another CA that signed nothing (the "wrong CA").
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string Ca => Path.Combine(Directory, "ca.crt");

    public string OtherCa => Path.Combine(Directory, "other-ca.crt");

    public string ServerCertificate => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ClientCertificate => Path.Combine(Directory, "client.crt");

    public string ClientKey => Path.Combine(Directory, "client.key");

    /// <summary>Why certificates cannot be made here, or null.</summary>
    public static string? Unavailable() => File.Exists("/usr/bin/openssl") ? null : "openssl is not installed (apt-get install openssl)";

    public static TestCertificates Create()
    {
        var certificates = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("milter-tls-").FullName);
        certificates.Authority("ca", "Milter test CA");
        certificates.Authority("other-ca", "Some other CA");
        certificates.Signed("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        certificates.Signed("client", "milter", "extendedKeyUsage=clientAuth");
        return certificates;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private void Authority(string name, string subject) =>
        OpenSsl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={subject}",
            "-keyout", Path.Combine(Directory, name + ".key"), "-out", Path.Combine(Directory, name + ".crt"));

    private void Signed(string name, string commonName, string extension)
    {
        var extensions = Path.Combine(Directory, name + ".ext");
        File.WriteAllText(extensions, extension + "\n");
        OpenSsl("req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={commonName}", "-keyout", Path.Combine(Directory, name + ".key"),
            "-out", Path.Combine(Directory, name + ".csr"));
        OpenSsl("x509", "-req", "-in", Path.Combine(Directory, name + ".csr"), "-CA", Ca, "-CAkey", Path.Combine(Directory, "ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", extensions, "-out", Path.Combine(Directory, name + ".crt"));
    }

    private static void OpenSsl(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/openssl", arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)}: {errors}");
    }
}
