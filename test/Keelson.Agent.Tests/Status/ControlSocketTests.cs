using Keelson.Agent.Status;

namespace Keelson.Agent.Tests.Status;

public sealed class ControlSocketTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-control-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_command_is_answered_with_an_exit_code_and_text()
    {
        var path = Path.Combine(_directory.FullName, "agent.sock");
        await using var socket = ControlSocket.Listen(path, (command, _) => Task.FromResult(
            command == "status" ? new ControlReply(0, AgentStatus.Initial.Format()) : new ControlReply(2, $"unknown command '{command}'\n")));

        var status = await ControlSocket.SendAsync(path, "status", CancellationToken.None);
        var unknown = await ControlSocket.SendAsync(path, "dance", CancellationToken.None);

        Assert.Equal(0, status.ExitCode);
        Assert.StartsWith("LAST_CHECKED_TIME=0\n", status.Text, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'dance'", unknown.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_socket_file_is_for_its_owner_only_and_replaces_a_stale_one()
    {
        var path = Path.Combine(_directory.FullName, "agent.sock");
        await File.WriteAllTextAsync(path, "stale");

        await using (ControlSocket.Listen(path, (_, _) => Task.FromResult(new ControlReply(0, ""))))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task No_agent_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            ControlSocket.SendAsync(Path.Combine(_directory.FullName, "none.sock"), "status", CancellationToken.None));

        Assert.Contains("the agent is not running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_socket_and_a_socket_a_stopped_agent_left_behind_both_mean_no_agent()
    {
        // A socket file nobody listens on, as a killed agent leaves it (.NET would delete it when this socket closes).
        var stale = Path.Combine(_directory.FullName, "stale.sock");
        using var left = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        left.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale));

        Assert.True(File.Exists(stale));
        Assert.Null(await ControlSocket.TrySendAsync(stale, "status", CancellationToken.None));
        Assert.Null(await ControlSocket.TrySendAsync(Path.Combine(_directory.FullName, "none.sock"), "status", CancellationToken.None));
    }
}
