using System.Buffers.Binary;
using System.Text;
using Keelson.Disks;
using Keelson.Payloads;

namespace Keelson.Fuzz;

/// <summary>
/// Small seed inputs made with Keelson's own writers: a full and a delta payload of a 12 KiB image, and a GPT image of
/// 69 sectors with two usr slots (and a 4 KiB variant of it); and request lines for the discovery target. The other targets are seeded from
/// <c>test/samples</c>.
/// </summary>
internal static class SeedWriter
{
    public static async Task WriteAsync(string corpus, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("keelson-fuzz-seeds-");
        try
        {
            await WritePayloadsAsync(Path.Combine(corpus, "payload"), work.FullName, cancellationToken);
            await WriteGptAsync(Path.Combine(corpus, "gpt"), work.FullName, cancellationToken);
            WriteDiscovery(Path.Combine(corpus, "discovery"));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task WritePayloadsAsync(string folder, string work, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        // Three 4 KiB blocks: text, zeros, text again; the new image changes the last block only.
        var old = Path.Combine(work, "old.img");
        var @new = Path.Combine(work, "new.img");
        var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("keelson ", PayloadFormat.BlockSize / 8)));
        await File.WriteAllBytesAsync(old, [.. block, .. new byte[PayloadFormat.BlockSize], .. block], cancellationToken);
        await File.WriteAllBytesAsync(@new, [.. block, .. new byte[PayloadFormat.BlockSize], .. block.Reverse()], cancellationToken);

        using var key = PayloadSigningKey.Generate();
        var full = new PayloadCreateOptions { ImagePath = @new, Version = "2605.1.0", Key = key, ChunkSize = PayloadFormat.MinChunkSize };
        await PayloadCreator.CreateAsync(full, Path.Combine(folder, "seed-full.payload"), cancellationToken: cancellationToken);
        await PayloadCreator.CreateAsync(full with { SourceImagePath = old }, Path.Combine(folder, "seed-delta.payload"), cancellationToken: cancellationToken);
    }

    private static async Task WriteGptAsync(string folder, string work, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        // Protective MBR, header, 32 sectors of entries, two one-sector usr slots, 32 sectors of entries, header.
        const long Sectors = 69;
        var tries = new GptAttributes(((ulong)2 << GptAttributes.PriorityShift) | ((ulong)1 << GptAttributes.TriesShift));
        var good = new GptAttributes(((ulong)1 << GptAttributes.PriorityShift) | ((ulong)1 << GptAttributes.SuccessfulShift));
        GptPartitionSpec[] partitions =
        [
            new(1, "USR-A", GptPartitionTypes.CoreOsUsr, FlatcarLayout.UsrAPartitionUuid, 34, 34, good),
            new(2, "USR-B", GptPartitionTypes.CoreOsUsr, FlatcarLayout.UsrBPartitionUuid, 35, 35, tries),
        ];
        var path = Path.Combine(work, "disk.img");
        using (await GptDisk.CreateImageAsync(path, Sectors * 512, 512, new Guid("5c1f9b0e-34d5-4b4e-9a3c-2f0a6f7d1e11"), partitions, cancellationToken))
        {
        }

        var image = await File.ReadAllBytesAsync(path, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, "seed-two-usr-slots.img"), image, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, "seed-four-entries.img"), FourEntries(image), cancellationToken);
    }

    /// <summary>
    /// The same table with an entry array of 4 entries (one sector) on an 8-sector disk: 4 KiB instead of 35, so that
    /// afl mutates the tables instead of the empty sectors between them. Keelson's writer always writes 128 entries;
    /// the reader takes any count, as other tools write them.
    /// </summary>
    private static byte[] FourEntries(byte[] written)
    {
        const int Sector = 512;
        var image = new byte[8 * Sector];
        written.AsSpan(0, Sector).CopyTo(image);
        written.AsSpan(2 * Sector, Sector).CopyTo(image.AsSpan(2 * Sector));
        written.AsSpan(2 * Sector, Sector).CopyTo(image.AsSpan(6 * Sector));
        foreach (var (lba, alternate, entries) in new[] { (1L, 7L, 2L), (7L, 1L, 6L) })
        {
            var header = image.AsSpan((int)lba * Sector, Sector);
            written.AsSpan(Sector, 92).CopyTo(header);
            BinaryPrimitives.WriteUInt64LittleEndian(header[24..], (ulong)lba);
            BinaryPrimitives.WriteUInt64LittleEndian(header[32..], (ulong)alternate);
            BinaryPrimitives.WriteUInt64LittleEndian(header[40..], 3);
            BinaryPrimitives.WriteUInt64LittleEndian(header[48..], 5);
            BinaryPrimitives.WriteUInt64LittleEndian(header[72..], (ulong)entries);
            BinaryPrimitives.WriteUInt32LittleEndian(header[80..], 4);
        }

        // The two slots move to LBA 3 and 4.
        foreach (var entries in new[] { 2, 6 })
        {
            for (var index = 0; index < 2; index++)
            {
                var entry = image.AsSpan((entries * Sector) + (index * 128), 128);
                BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], (ulong)(3 + index));
                BinaryPrimitives.WriteUInt64LittleEndian(entry[40..], (ulong)(3 + index));
            }
        }

        GptTarget.FixChecksums(image);
        return image;
    }

    private static void WriteDiscovery(string folder)
    {
        Directory.CreateDirectory(folder);
        var token = DiscoveryKeysTarget.Token;
        (string Name, string Text)[] seeds =
        [
            ("seed-get-token", $"GET\n/{token}"),
            ("seed-get-size", $"GET\n/{token}/_config/size"),
            ("seed-put-member", $"PUT\n/{token}/8e9e05c52164694d\ninfra0=http://10.0.1.10:2380"),
            ("seed-delete-member", $"DELETE\n/{token}/8e9e05c52164694d"),
            ("seed-put-escaped", $"PUT\n/{token}/node%2D1/\nnode-1=http://[fd00::1]:2380"),
        ];
        foreach (var (name, text) in seeds)
        {
            File.WriteAllText(Path.Combine(folder, name), text);
        }
    }
}
