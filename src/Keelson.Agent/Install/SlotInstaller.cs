using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;
using Keelson.Payloads;

namespace Keelson.Agent.Install;

/// <summary>
/// Installs a downloaded payload into the passive usr slot: the slot is first made unbootable through the boot
/// backend (as ChromeOS' update_engine does), so that a crash while it is half written can never be booted; the
/// payload is verified and written while it streams; the slot must then hold the version offered; only then is it
/// marked installed (one try, not good, first to boot), with its kernel when the bootloader loads kernels from the ESP.
/// </summary>
/// <remarks>The slots' places on the disk always come from the GPT; what boots is the backend's business.</remarks>
public static class SlotInstaller
{
    /// <param name="diskPath">The disk (block device or image) holding the slots.</param>
    /// <param name="booted">The slot the machine runs from; the other one is written.</param>
    /// <param name="expectedVersion">The version the server offered; null to take what the payload holds.</param>
    /// <param name="backend">Where the boot state lives.</param>
    /// <param name="kernelOf">
    /// The new slot's kernel, asked for only when <see cref="IBootBackend.NeedsKernel"/>: the slot written and the
    /// version it holds.
    /// </param>
    public static async Task<InstallResult> InstallAsync(
        string diskPath,
        UsrSlotName booted,
        string payloadPath,
        string? expectedVersion,
        PayloadApplyOptions options,
        IBootBackend backend,
        Func<UsrSlot, string, CancellationToken, Task<SlotKernel>> kernelOf,
        IProgress<PayloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(kernelOf);
        SlotRoles roles;
        try
        {
            using (var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken))
            {
                roles = disk.GetSlotRoles(booted);
            }

            await backend.DisableAsync(roles.Passive, cancellationToken);
        }
        catch (Exception e) when (e is DiskException or IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException(
                $"the disk could not be prepared for the update: {e.Message}", OmahaErrorCodes.InstallDeviceOpenError, e is DiskException { IsTransient: true }, e);
        }

        PayloadApplyResult applied;
        try
        {
            await using var payload = new FileStream(payloadPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            applied = await PayloadInstaller.ApplyAsync(
                payload,
                new SlotTarget(diskPath, roles.Passive.ByteOffset, roles.Passive.ByteLength),
                options with { Source = new SlotTarget(diskPath, roles.Active.ByteOffset, roles.Active.ByteLength) },
                progress,
                cancellationToken);
        }
        catch (PayloadException e)
        {
            throw new UpdateEngineException($"the payload was refused: {e.Message}", ErrorCodeOf(e.Kind), e.IsTransient, e);
        }
        catch (DiskException e)
        {
            throw new UpdateEngineException($"the slot could not be written: {e.Message}", OmahaErrorCodes.DownloadWriteError, e.IsTransient, e);
        }

        var version = applied.Manifest.Version;
        if (expectedVersion is not null && version != expectedVersion)
        {
            throw new UpdateEngineException(
                $"the payload holds version {version}, but the server offered {expectedVersion}; {roles.Passive.Label} stays unbootable",
                OmahaErrorCodes.NewRootfsVerificationError,
                isTransient: false);
        }

        var kernel = backend.NeedsKernel ? await kernelOf(roles.Passive, version, cancellationToken) : null;
        try
        {
            await backend.MarkInstalledAsync(roles.Passive, kernel, cancellationToken);
        }
        catch (Exception e) when (e is DiskException or IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException(
                $"{roles.Passive.Label} holds {version} but could not be made bootable: {e.Message}",
                OmahaErrorCodes.PostinstallRunnerError,
                e is DiskException { IsTransient: true },
                e);
        }

        return new InstallResult(version, roles.Passive);
    }

    /// <summary>The update_engine error code a refusal is reported with, so that operators read it as they know it.</summary>
    private static long ErrorCodeOf(PayloadErrorKind kind) => kind switch
    {
        PayloadErrorKind.BadSignature or PayloadErrorKind.UnknownKey => OmahaErrorCodes.DownloadPayloadPubKeyVerificationError,
        PayloadErrorKind.Corrupt => OmahaErrorCodes.DownloadOperationHashMismatch,
        PayloadErrorKind.Truncated => OmahaErrorCodes.DownloadTransferError,
        PayloadErrorKind.TooLarge => OmahaErrorCodes.DownloadNewPartitionInfoError,
        PayloadErrorKind.WrongDeltaSource or PayloadErrorKind.SourceRequired => OmahaErrorCodes.DownloadStateInitializationError,
        PayloadErrorKind.Io => OmahaErrorCodes.DownloadWriteError,
        _ => OmahaErrorCodes.DownloadPayloadVerificationError,
    };
}
