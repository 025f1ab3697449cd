using System.Diagnostics;
using AuthMilter;

namespace Milter.Authentication.Tests;

/// <summary>RequireSafeKeys as OpenDKIM has it: keys others can read or replace are refused at start, or warned about.</summary>
public sealed class KeyFileSafetyTests : IDisposable
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = Owner | UnixFileMode.UserExecute;
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-safekeys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_key_only_its_owner_can_read_in_a_folder_only_its_owner_can_write_is_safe()
    {
        Assert.Null(KeyFileSafety.Problem(Key("safe", Owner, OwnerFolder)));
        // A sticky folder such as /tmp lets nobody rename what is not theirs.
        Assert.Null(KeyFileSafety.Problem(Key("sticky", Owner, OwnerFolder | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit)));
    }

    [Theory]
    [InlineData(0b110_100_100, "mode 0644: other users can read it")]
    [InlineData(0b110_110_000, "mode 0660: other users can read or write it")]
    [InlineData(0b110_000_010, "mode 0602: other users can read or write it")]
    public void A_key_others_can_read_or_write_is_named_with_its_mode(int mode, string problem)
    {
        var path = Key("open", (UnixFileMode)mode, OwnerFolder);

        Assert.Equal($"{path} has {problem} (chmod 600, or RequireSafeKeys false)", KeyFileSafety.Problem(path));
    }

    [Fact]
    public void A_key_in_a_folder_others_can_write_is_named_with_the_folders_mode()
    {
        var path = Key("folder", Owner, OwnerFolder | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        Assert.Equal($"{path} is in {Path.GetDirectoryName(path)}, mode 0703: other users can replace the key (chmod go-w, or RequireSafeKeys false)", KeyFileSafety.Problem(path));
    }

    [Fact]
    public void AuthMilter_refuses_an_unsafe_key_or_only_warns_when_told()
    {
        var path = Key("milter", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, OwnerFolder);
        var settings = new AuthSettings { Domain = ["example.org"], Selector = "rsa", KeyFile = path };

        var refused = Assert.Throws<UnsafeKeyException>(() => new AuthPolicy(settings, _directory, new FakeDns()));
        settings.RequireSafeKeys = false;
        var warned = new AuthPolicy(settings, _directory, new FakeDns());

        Assert.Equal(KeyFileSafety.Problem(path), refused.Message);
        Assert.Equal(KeyFileSafety.Problem(path), Assert.Single(warned.UnsafeKeys));
        Assert.Single(warned.KeysFor("alice@example.org"));
    }

    [Fact]
    public async Task The_AuthMilter_process_says_so_in_one_line_and_does_not_start()
    {
        var path = Key("process", (UnixFileMode)0b110_100_100, OwnerFolder);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "AuthMilter.dll"), "--AuthMilter:Domain:0", "example.org",
            "--AuthMilter:Selector", "rsa", "--AuthMilter:KeyFile", path, "--Milter:Listen:0", "inet:0@127.0.0.1"])
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(78, process.ExitCode);
        Assert.Equal($"auth-milter: {path} has mode 0644: other users can read it (chmod 600, or RequireSafeKeys false)", error.TrimEnd('\n'));
    }

    private string Key(string name, UnixFileMode mode, UnixFileMode folderMode)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        var path = Path.Combine(folder, "key.private");
        File.WriteAllText(path, TestKeys.Pem(TestKeys.Rsa.Private));
        File.SetUnixFileMode(path, mode);
        File.SetUnixFileMode(folder, folderMode);
        return path;
    }
}
