namespace Keelson.Payloads.Tests;

/// <summary><see cref="DataSection"/> moves the data written during create behind the manifest, byte for byte.</summary>
public sealed class DataSectionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _memory = Directory.CreateDirectory(Path.Combine("/dev/shm", $"keelson-payloads-{Guid.NewGuid():N}")).FullName;

    /// <summary>Within one file system the kernel copies it; from tmpfs to this folder's file system it cannot (EXDEV), and the data passes through the process.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_data_is_copied_behind_the_manifest_byte_for_byte_in_several_steps(bool acrossFileSystems)
    {
        var data = new byte[(20 << 20) + 5];
        new Random(21).NextBytes(data);
        var prefix = Enumerable.Repeat((byte)0x55, 1000).ToArray();
        var outputPath = _directory.Of("payload");
        using (var dataFile = new FileStream(Path.Combine(acrossFileSystems ? _memory : _directory.Path, "data"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 0))
        using (var output = new FileStream(outputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            dataFile.Write(data);
            output.Write(prefix);

            DataSection.CopyBehind(dataFile, output, prefix.Length, CancellationToken.None);

            Assert.Equal(prefix.Length + data.Length, output.Position);
        }

        var written = File.ReadAllBytes(outputPath);
        Assert.Equal(prefix.Length + data.Length, written.Length);
        Assert.Equal(prefix, written[..prefix.Length]);
        Assert.True(data.AsSpan().SequenceEqual(written.AsSpan(prefix.Length)), "the data section differs from the data written");
    }

    public void Dispose()
    {
        _directory.Dispose();
        Directory.Delete(_memory, recursive: true);
    }
}
