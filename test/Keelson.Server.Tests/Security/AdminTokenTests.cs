namespace Keelson.Server.Tests.Security;

/// <summary>The built-in admin token: strong enough, and in a file only the server's user may read.</summary>
public sealed class AdminTokenTests : IDisposable
{
    private const string Strong = "0e8c4b2f9a1d7e3c5b6a8f0d2e4c6a8b1d3f5e7a9c0b2d4f6e8a1c3b5d7f9e0a";

    private readonly string _data = Directory.CreateTempSubdirectory("keelson-admin-token-test-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Theory]
    [InlineData("x", "is 1 characters long; an admin token needs at least 32 random characters; make one with: openssl rand -hex 32")]
    [InlineData("test-admin-token", "is 16 characters long")]
    [InlineData("abababababababababababababababababab", "has only 2 different characters, too little variety to be random; make one with: openssl rand -hex 32")]
    public void A_weak_admin_token_is_refused_with_how_to_make_one(string token, string why)
    {
        var options = new ServerOptions { DataDirectory = _data, AdminToken = token };

        var refused = Assert.Throws<InvalidOperationException>(() => AdminToken.Resolve(options));

        Assert.Contains("the admin token given " + why, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_file_that_others_may_read_is_refused_with_the_chmod_that_fixes_it()
    {
        var file = Path.Combine(_data, "token");
        File.WriteAllText(file, Strong + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var options = new ServerOptions { DataDirectory = _data, AdminTokenFile = file };

        var refused = Assert.Throws<InvalidOperationException>(() => AdminToken.Resolve(options));

        Assert.Equal($"the admin token file {file} may be read by other users (mode 0644); make it the server user's alone: chmod 600 {file}", refused.Message);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(Strong, AdminToken.Resolve(options));
    }

    [Fact]
    public void A_weak_token_in_the_data_folder_is_refused_too()
    {
        var file = Path.Combine(_data, AdminToken.FileName);
        File.WriteAllText(file, "short\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var refused = Assert.Throws<InvalidOperationException>(() => AdminToken.Resolve(new ServerOptions { DataDirectory = _data }));

        Assert.StartsWith($"the admin token in {file} is 5 characters long", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generated_token_is_strong_written_mode_0600_and_read_back_at_the_next_start()
    {
        var options = new ServerOptions { DataDirectory = _data };

        var token = AdminToken.Resolve(options);

        var file = Path.Combine(_data, AdminToken.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Null(AdminToken.Weakness(token, "generated"));
        Assert.Equal(64, token.Length);
        Assert.Equal(token, AdminToken.Resolve(options));
    }
}
