using Keelson.Agent.Host;

namespace Keelson.Agent.Tests.Host;

public sealed class KernelCommandLineTests
{
    [Theory]
    [InlineData("BOOT_IMAGE=/vmlinuz mount.usr=PARTUUID=7130c94a-213a-4e5a-8e26-6cce9662f132 console=ttyS0\n", "BOOT_IMAGE=/vmlinuz console=ttyS0")]
    [InlineData("console=ttyS0  quiet\tpanic=-1", "console=ttyS0 quiet panic=-1")]
    [InlineData("mount.usr=/dev/disk/by-partuuid/7130c94a-213a-4e5a-8e26-6cce9662f132", "")]
    [InlineData("mount.usrflags=ro usr=x verity.usr=y", "mount.usrflags=ro usr=x verity.usr=y")]
    public void The_base_command_line_is_the_running_one_without_its_mount_usr_word(string running, string expected) =>
        Assert.Equal(expected, KernelCommandLine.WithoutUsr(running));
}
