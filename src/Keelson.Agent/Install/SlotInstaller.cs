using Keelson.Disks;
using Keelson.Payloads;

namespace Keelson.Agent.Install;

/// <summary>
/// Installs a downloaded payload into the passive usr slot: the slot is first made unbootable (as ChromeOS'
/// update_engine does), so that a crash while it is half written can never be booted; the payload is verified and
/// written while it streams; only then the slot is marked installed (successful 0, tries 1, top priority).
/// </summary>
public static class SlotInstaller
{
    public static async Task<InstallResult> InstallAsync(
        string diskPath,
        UsrSlotName booted,
        string payloadPath,
        PayloadApplyOptions options,
        IProgress<PayloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            using var disk = await GptDisk.OpenAsync(diskPath, writable: true, cancellationToken: cancellationToken);
            var roles = disk.GetSlotRoles(booted);
            await disk.SetSlotAttributesAsync(roles.Passive.Name, priority: 0, tries: 0, successful: false, cancellationToken: cancellationToken);

            PayloadApplyResult applied;
            await using (var payload = new FileStream(payloadPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                applied = await PayloadInstaller.ApplyAsync(
                    payload,
                    new SlotTarget(diskPath, roles.Passive.ByteOffset, roles.Passive.ByteLength),
                    options with { Source = new SlotTarget(diskPath, roles.Active.ByteOffset, roles.Active.ByteLength) },
                    progress,
                    cancellationToken);
            }

            var installed = await disk.MarkInstalledAsync(roles.Passive.Name, cancellationToken);
            return new InstallResult(applied.Manifest.Version, installed);
        }
        catch (PayloadException e)
        {
            throw new UpdateEngineException($"the payload was refused: {e.Message}", ErrorCodeOf(e.Kind), e.IsTransient, e);
        }
        catch (DiskException e)
        {
            throw new UpdateEngineException($"the disk could not be updated: {e.Message}", 0, e.IsTransient, e);
        }
    }

    /// <summary>The update_engine error code a refusal is reported with, so that operators read it as they know it.</summary>
    private static long ErrorCodeOf(PayloadErrorKind kind) => kind switch
    {
        PayloadErrorKind.BadSignature or PayloadErrorKind.UnknownKey => 18,      // download payload public key verification error
        PayloadErrorKind.Corrupt => 29,                                          // download operation hash mismatch
        PayloadErrorKind.Truncated => 9,                                         // download transfer error
        PayloadErrorKind.TooLarge => 13,                                         // download new partition info error
        PayloadErrorKind.WrongDeltaSource or PayloadErrorKind.SourceRequired => 20, // download state initialization error
        PayloadErrorKind.Io => 14,                                               // download write error
        _ => 12,                                                                 // download payload verification error
    };
}
