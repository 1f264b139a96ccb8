using Keelson.Agent.Host;
using Keelson.Agent.Simulation;
using Keelson.Payloads;

namespace Keelson.Cli.Demo;

/// <summary>
/// The story's releases, made as a release build makes them: ext4 usr images (<c>mkfs.ext4 -d</c>) holding
/// <c>share/coreos/release</c>, signed payloads of them, and a fresh signing key whose public half the machines trust.
/// The bad release carries <see cref="SimulatedHost.FailHealthMarker"/>.
/// </summary>
internal sealed class DemoReleases
{
    public const string Board = "amd64-usr";
    private const string ImageSize = "16M";
    private const int ContentBytes = 1 << 20;
    private static readonly TimeSpan s_mkfsTimeout = TimeSpan.FromSeconds(60);

    private DemoReleases(string keyId, string publicKeyPath, DemoRelease start, DemoRelease good, DemoRelease bad)
    {
        KeyId = keyId;
        PublicKeyPath = publicKeyPath;
        Start = start;
        Good = good;
        Bad = bad;
    }

    public string KeyId { get; }

    /// <summary>The key the machines trust (KEY.pub).</summary>
    public string PublicKeyPath { get; }

    /// <summary>What the machines run at first.</summary>
    public DemoRelease Start { get; }

    /// <summary>The release that goes alpha -> beta -> stable.</summary>
    public DemoRelease Good { get; }

    /// <summary>The release that fails its health check.</summary>
    public DemoRelease Bad { get; }

    /// <summary>Builds 1.0.0, 1.1.0 and 1.2.0 (bad) into <paramref name="directory"/>; <paramref name="detail"/> hears which one is being made.</summary>
    public static async Task<DemoReleases> BuildAsync(string directory, Action<string> detail, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var keyPath = Path.Combine(directory, "release.key");
        using var key = PayloadSigningKey.Generate();
        key.Save(keyPath);
        var releases = new List<DemoRelease>();
        foreach (var (version, failsHealth) in new[] { ("1.0.0", false), ("1.1.0", false), ("1.2.0", true) })
        {
            detail($"release {version}: mkfs.ext4 -d, then a payload signed with key {key.KeyId}");
            var release = new DemoRelease(version, failsHealth, Path.Combine(directory, $"usr-{version}.ext4"), Path.Combine(directory, $"{version}.kpay"));
            await MakeImageAsync(release, cancellationToken);
            try
            {
                await PayloadCreator.CreateAsync(
                    new PayloadCreateOptions { ImagePath = release.Image, Version = version, Key = key, Board = Board },
                    release.Payload, progress: null, cancellationToken);
            }
            catch (PayloadException e)
            {
                throw new CliException($"the payload of {version} could not be made: {e.Message}");
            }

            releases.Add(release);
        }

        return new DemoReleases(key.KeyId, keyPath + ".pub", releases[0], releases[1], releases[2]);
    }

    private static async Task MakeImageAsync(DemoRelease release, CancellationToken cancellationToken)
    {
        var tree = release.Image + ".tree";
        var coreos = Path.Combine(tree, "share", "coreos");
        Directory.CreateDirectory(coreos);
        await File.WriteAllTextAsync(Path.Combine(coreos, "release"),
            $"COREOS_RELEASE_VERSION={release.Version}\nCOREOS_RELEASE_BOARD={Board}\n", cancellationToken);
        // Some content of its own, so that each release is a download worth the name and no two images are alike.
        await File.WriteAllBytesAsync(Path.Combine(tree, "share", "content"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(ContentBytes), cancellationToken);
        if (release.FailsHealth)
        {
            var marker = Path.Combine(tree, SimulatedHost.FailHealthMarker.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            await File.WriteAllTextAsync(marker, "this release fails its health check\n", cancellationToken);
        }

        CommandResult result;
        try
        {
            result = await ExternalCommand.RunAsync("mkfs.ext4", ["-q", "-d", tree, release.Image, ImageSize], s_mkfsTimeout, cancellationToken);
        }
        catch (Agent.UpdateEngineException e)
        {
            throw new CliException($"{e.Message}; the demo makes real ext4 images and needs e2fsprogs (Debian: apt-get install e2fsprogs)");
        }

        if (!result.Succeeded)
        {
            throw new CliException($"mkfs.ext4 could not make the {release.Version} image: {result.StandardError.Trim()}");
        }

        Directory.Delete(tree, recursive: true);
    }
}
