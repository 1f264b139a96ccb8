namespace Keelson.Payloads.Tests;

/// <summary>Images made of bytes that compress like real ones: text, random runs, zeros.</summary>
public static class TestImages
{
    /// <summary><paramref name="length"/> bytes: lines of text, runs of random bytes and runs of zeros, from <paramref name="seed"/>.</summary>
    public static byte[] Mixed(int length, int seed)
    {
        var random = new Random(seed);
        var image = new byte[length];
        var position = 0;
        while (position < length)
        {
            var run = Math.Min(length - position, random.Next(1, 64) * 1024);
            switch (random.Next(3))
            {
                case 0:
                    random.NextBytes(image.AsSpan(position, run));
                    break;
                case 1:
                    for (var i = 0; i < run; i++)
                    {
                        image[position + i] = (byte)"keelson payload line\n"[(i + seed) % 21];
                    }

                    break;
                default:
                    break;
            }

            position += run;
        }

        return image;
    }

    /// <summary>A directory of files for <c>mkfs.ext4 -d</c>: text and random files, about <paramref name="bytes"/> bytes in all.</summary>
    public static void FillDirectory(string directory, int bytes, int seed)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(Path.Combine(directory, "share", "coreos"));
        Directory.CreateDirectory(Path.Combine(directory, "lib"));
        File.WriteAllText(Path.Combine(directory, "share", "coreos", "release"), "COREOS_RELEASE_VERSION=2605.10.0\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        var written = 0;
        for (var i = 0; written < bytes; i++)
        {
            var size = random.Next(4, 200) * 1024;
            var content = Mixed(size, seed + i);
            File.WriteAllBytes(Path.Combine(directory, "lib", $"file{i:D3}.bin"), content);
            written += size;
        }
    }
}
