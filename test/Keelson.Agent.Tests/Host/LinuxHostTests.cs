using Keelson.Agent.Host;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Tests.Host;

public sealed class LinuxHostTests
{
    private const string UsrA = "7130c94a-213a-4e5a-8e26-6cce9662f132";
    private const string UsrB = "e03dd35c-7c2d-4a47-b3fe-27f15780a57c";

    [Theory]
    [InlineData("BOOT_IMAGE=/coreos/vmlinuz-a mount.usr=PARTUUID=" + UsrA + " root=LABEL=ROOT", UsrA)]
    [InlineData("root=LABEL=ROOT verity.usr=PARTUUID=" + UsrB + " ro", UsrB)]
    [InlineData("usr=/dev/disk/by-partuuid/" + UsrB + " quiet", UsrB)]
    [InlineData("mount.usr=partuuid=" + UsrB, UsrB)]
    [InlineData("console=ttyS0\tmount.usr=PARTUUID=" + UsrA + "\n", UsrA)]
    public void The_booted_usr_partition_is_read_from_the_kernel_command_line(string commandLine, string expected)
    {
        Assert.Equal(Guid.Parse(expected), LinuxHost.BootedPartitionUuid(commandLine));
    }

    [Fact]
    public void Flatcars_own_command_line_names_the_slot_in_verity_usr_behind_the_device_mapper_mount()
    {
        const string commandLine =
            "BOOT_IMAGE=/flatcar/vmlinuz-a mount.usr=/dev/mapper/usr verity.usr=PARTUUID=7130c94a-213a-4e5a-8e26-6cce9662f132 "
            + "rootflags=rw mount.usrflags=ro consoleblank=0 root=LABEL=ROOT console=ttyS0,115200n8 console=tty0 "
            + "flatcar.first_boot=detected flatcar.oem.id=qemu "
            + "verity.usrhash=2b1b5bf9e1a1c2f8d0c0a0d3f4a1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3\n";

        Assert.Equal(Guid.Parse(UsrA), LinuxHost.BootedPartitionUuid(commandLine));
    }

    [Theory]
    [InlineData("BOOT_IMAGE=/vmlinuz root=/dev/sda9 ro quiet")]
    [InlineData("mount.usr=/dev/mapper/usr verity.usrhash=2b1b5bf9")]
    [InlineData("mount.usr=PARTUUID=not-a-uuid")]
    [InlineData("mount.usrflags=ro usrhash=PARTUUID=" + UsrA)]
    [InlineData("")]
    public void A_command_line_without_a_usr_partition_is_a_clear_error(string commandLine)
    {
        var error = Assert.Throws<UpdateEngineException>(() => LinuxHost.BootedPartitionUuid(commandLine));

        Assert.Equal(
            "the kernel command line names no usr partition (mount.usr=, verity.usr= or usr= with PARTUUID=...); pass --disk and run on an A/B system",
            error.Message);
        Assert.False(error.IsTransient);
    }

    // Only the arguments: these tests run as root on a shared machine, where a kexec that loads would end it.
    [Fact]
    public void Kexec_loads_the_kernel_with_its_initrd_and_the_whole_command_line_as_single_arguments() =>
        Assert.Equal(
            ["-l", "/boot/keelson/B/vmlinuz", "--initrd=/boot/keelson/B/initrd", "--append=console=ttyS0 mount.usr=PARTUUID=" + UsrB + " quiet"],
            LinuxHost.KexecLoadArguments(new KexecTarget("/boot/keelson/B/vmlinuz", "/boot/keelson/B/initrd", "console=ttyS0 mount.usr=PARTUUID=" + UsrB + " quiet")));

    [Fact]
    public void Kexec_without_an_initrd_passes_none() =>
        Assert.Equal(["-l", "/k", "--append=ro"], LinuxHost.KexecLoadArguments(new KexecTarget("/k", null, "ro")));
}
