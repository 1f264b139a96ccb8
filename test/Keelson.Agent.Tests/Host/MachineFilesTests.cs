using Keelson.Agent.Host;

namespace Keelson.Agent.Tests.Host;

public sealed class MachineFilesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-machinefiles-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_machine_id_is_read_without_its_newline()
    {
        var path = Write("machine-id", "4f9c1e2a7b3d4c5e8f90a1b2c3d4e5f6\n");

        Assert.Equal("4f9c1e2a7b3d4c5e8f90a1b2c3d4e5f6", MachineFiles.ReadMachineId(path));
    }

    [Fact]
    public void An_uppercase_machine_id_is_given_in_lowercase()
    {
        var path = Write("machine-id", "4F9C1E2A7B3D4C5E8F90A1B2C3D4E5F6\n");

        Assert.Equal("4f9c1e2a7b3d4c5e8f90a1b2c3d4e5f6", MachineFiles.ReadMachineId(path));
    }

    [Theory]
    [InlineData("4f9c1e2a7b3d4c5e8f90a1b2c3d4e5f\n")]
    [InlineData("4f9c1e2a7b3d4c5e8f90a1b2c3d4e5f60\n")]
    [InlineData("4f9c1e2a-7b3d-4c5e-8f90-a1b2c3d4\n")]
    [InlineData("zz9c1e2a7b3d4c5e8f90a1b2c3d4e5f6\n")]
    [InlineData("")]
    public void A_file_that_is_not_a_machine_id_is_refused_by_name(string text)
    {
        var path = Write("machine-id", text);

        var error = Assert.Throws<UpdateEngineException>(() => MachineFiles.ReadMachineId(path));

        Assert.Equal($"{path} does not hold a machine id (32 hex digits)", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void A_missing_machine_id_is_an_error_that_names_the_file()
    {
        var path = Path.Combine(_directory.FullName, "absent");

        var error = Assert.Throws<UpdateEngineException>(() => MachineFiles.ReadMachineId(path));

        Assert.StartsWith($"cannot read {path}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_machine_id_file_is_refused_unread()
    {
        var path = Write("machine-id", new string('a', 64 * 1024 + 1));

        var error = Assert.Throws<UpdateEngineException>(() => MachineFiles.ReadMachineId(path));

        Assert.Equal($"{path} is larger than 64 KiB", error.Message);
    }

    [Fact]
    public void The_boot_id_is_read_as_the_kernel_writes_it()
    {
        var path = Write("boot_id", "6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\n");

        Assert.Equal(Guid.Parse("6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11"), MachineFiles.ReadBootId(path));
    }

    [Fact]
    public void The_real_boot_id_of_this_machine_is_read()
    {
        Assert.NotEqual(Guid.Empty, MachineFiles.ReadBootId("/proc/sys/kernel/random/boot_id"));
    }

    [Fact]
    public void A_file_that_is_not_a_boot_id_is_refused_by_name()
    {
        var path = Write("boot_id", "booted on a tuesday\n");

        var error = Assert.Throws<UpdateEngineException>(() => MachineFiles.ReadBootId(path));

        Assert.Equal($"{path} does not hold a boot id (a UUID)", error.Message);
    }

    [Fact]
    public void Oem_release_gives_id_and_version_without_their_quotes()
    {
        var path = Write("oem-release", "ID=azure\nVERSION_ID=\"2.6.0.2\"\nNAME=\"Microsoft Azure\"\nHOME_URL=\"https://azure.microsoft.com/\"\n");

        Assert.Equal(("azure", "2.6.0.2"), MachineFiles.ReadOemRelease(path));
    }

    [Fact]
    public void Oem_release_accepts_windows_line_endings_spaces_and_comments()
    {
        var path = Write("oem-release", "# written by the image\r\nID = \"gce\" \r\nVERSION_ID=0.1.0\r\n");

        Assert.Equal(("gce", "0.1.0"), MachineFiles.ReadOemRelease(path));
    }

    [Fact]
    public void Oem_release_accepts_single_quoted_values_as_os_release_does()
    {
        var path = Write("oem-release", "ID='vmware'\nVERSION_ID='1.2'\n");

        Assert.Equal(("vmware", "1.2"), MachineFiles.ReadOemRelease(path));
    }

    [Fact]
    public void A_missing_oem_release_means_no_oem()
    {
        Assert.Equal(("", ""), MachineFiles.ReadOemRelease(Path.Combine(_directory.FullName, "oem-release")));
    }

    [Fact]
    public void An_oem_release_without_the_keys_gives_empty_values()
    {
        var path = Write("oem-release", "NAME=\"Bare metal\"\n");

        Assert.Equal(("", ""), MachineFiles.ReadOemRelease(path));
    }
}
