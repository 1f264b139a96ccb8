using System.Globalization;

namespace Keelson.Omaha;

/// <summary>
/// The <c>errorcode</c> values update_engine reports in <c>&lt;event eventresult="0"&gt;</c>: a code, plus
/// 2000 + HTTP status for transfer errors, with flag bits OR-ed in for the machine's circumstances.
/// </summary>
/// <remarks>
/// Every failure has its own named code here; none is ever reported as 0 (success). update_engine's codes are used
/// where one fits; Keelson's own, for what update_engine has no name for (the boot's health, the reboot, the
/// machine's own files), start at 1001.
/// </remarks>
public static class OmahaErrorCodes
{
    /// <summary>Success: never the code of a failure.</summary>
    public const int Success = 0;

    /// <summary>A failure update_engine has no closer name for.</summary>
    public const int Error = 1;

    public const int OmahaRequestError = 2;
    public const int FilesystemCopierError = 4;

    /// <summary>The slot was written but could not be made bootable (the boot backend's write failed).</summary>
    public const int PostinstallRunnerError = 5;

    /// <summary>The disk with the slots could not be opened or changed before the write.</summary>
    public const int InstallDeviceOpenError = 7;

    public const int DownloadTransferError = 9;
    public const int PayloadHashMismatch = 10;
    public const int PayloadSizeMismatch = 11;
    public const int DownloadPayloadVerificationError = 12;
    public const int DownloadNewPartitionInfoError = 13;
    public const int DownloadWriteError = 14;

    /// <summary>The written slot does not hold what was offered (another version), or its filesystem cannot be read.</summary>
    public const int NewRootfsVerificationError = 15;

    /// <summary>The written slot has no kernel (<c>boot/vmlinuz</c>) for a bootloader that loads it from the ESP.</summary>
    public const int NewKernelVerificationError = 16;

    public const int DownloadPayloadPubKeyVerificationError = 18;
    public const int DownloadStateInitializationError = 20;
    public const int InvalidMetadataMagic = 21;
    public const int DownloadOperationHashMismatch = 29;
    public const int OmahaRequestXmlParseError = 31;
    public const int OmahaResponseInvalid = 34;
    public const int OmahaUpdateDeferredForBackoff = 40;

    /// <summary>The machine booted back into the version it had before the update (CoreOS/Flatcar).</summary>
    public const int Rollback = 44;

    /// <summary>
    /// Keelson's own: the new version booted but failed its health checks, so the machine falls back to the slot it
    /// came from (a code update_engine does not use, below the transfer errors).
    /// </summary>
    public const int UnhealthyBoot = 1001;

    /// <summary>Keelson's own: the reboot command (or the reboot itself) failed; the agent tries again later.</summary>
    public const int RebootFailed = 1002;

    /// <summary>Keelson's own: a kexec reboot could not be prepared or started; the agent reboots through the firmware instead.</summary>
    public const int KexecFailed = 1003;

    /// <summary>Keelson's own: the machine's own files cannot be read (machine id, boot id, kernel command line, release, booted slot).</summary>
    public const int HostUnreadable = 1004;

    /// <summary>Keelson's own: a slot's filesystem cannot be read (no ext4, no release file).</summary>
    public const int SlotUnreadable = 1005;

    /// <summary>Keelson's own: the boot backend could not read or write the boot state (marking a boot good, a rollback).</summary>
    public const int BootStateError = 1006;

    /// <summary>Keelson's own: the agent cannot be reached on its control socket, or its answer is no reply.</summary>
    public const int AgentUnreachable = 1007;

    /// <summary>Keelson's own: a simulated machine cannot be made, opened or booted.</summary>
    public const int MachineSetupError = 1008;

    /// <summary>Keelson's own: a host program (debugfs, kexec, a health check's shell) cannot be started.</summary>
    public const int CommandUnavailable = 1009;

    /// <summary>Keelson's own: the agent's saved state cannot be read.</summary>
    public const int StateUnreadable = 1010;

    /// <summary>Transfer errors are reported as this plus the HTTP status: 2404 is HTTP 404.</summary>
    public const int TransferErrorBase = 2000;

    /// <summary>Set when the machine's boot mode is not normal.</summary>
    public const long DevModeFlag = 1L << 31;

    /// <summary>Set when an interrupted update was being resumed.</summary>
    public const long ResumedFlag = 1L << 30;

    /// <summary>Set when the machine runs a test image rather than a signed one.</summary>
    public const long TestImageFlag = 1L << 29;

    /// <summary>Set when the machine talks to a test Omaha URL rather than the default one.</summary>
    public const long TestOmahaUrlFlag = 1L << 28;

    /// <summary>All four flag bits.</summary>
    public const long FlagsMask = DevModeFlag | ResumedFlag | TestImageFlag | TestOmahaUrlFlag;

    /// <summary>
    /// The code without its flag bits: <c>WithoutFlags(268435490)</c> is 34. A negative value that fits in
    /// 32 bits is taken as a sign-extended 32-bit code (bit 31, dev mode, set).
    /// </summary>
    public static long WithoutFlags(long code) => Unwrap(code) & ~FlagsMask;

    /// <summary>The flag bits of the code (see <see cref="WithoutFlags"/> for negative values).</summary>
    public static long FlagsOf(long code) => Unwrap(code) & FlagsMask;

    /// <summary>
    /// A short description for logs and the UI: <c>"payload hash mismatch (10)"</c>,
    /// <c>"HTTP 404 during transfer (2404)"</c>, <c>"error 123"</c> for codes not known here, with any flags
    /// after it: <c>"Omaha response invalid (34) [test Omaha URL]"</c>.
    /// </summary>
    public static string Describe(long code)
    {
        var unwrapped = Unwrap(code);
        var baseCode = unwrapped & ~FlagsMask;
        var flags = unwrapped & FlagsMask;

        string text;
        if (baseCode > TransferErrorBase && baseCode < TransferErrorBase + 1000)
        {
            text = string.Create(CultureInfo.InvariantCulture, $"HTTP {baseCode - TransferErrorBase} during transfer ({baseCode})");
        }
        else if (NameOf(baseCode) is { } name)
        {
            text = string.Create(CultureInfo.InvariantCulture, $"{name} ({baseCode})");
        }
        else
        {
            text = string.Create(CultureInfo.InvariantCulture, $"error {baseCode}");
        }

        if (flags == 0)
        {
            return text;
        }

        var names = new List<string>(4);
        if ((flags & DevModeFlag) != 0)
        {
            names.Add("dev mode");
        }

        if ((flags & ResumedFlag) != 0)
        {
            names.Add("resumed");
        }

        if ((flags & TestImageFlag) != 0)
        {
            names.Add("test image");
        }

        if ((flags & TestOmahaUrlFlag) != 0)
        {
            names.Add("test Omaha URL");
        }

        return $"{text} [{string.Join(", ", names)}]";
    }

    /// <summary>
    /// The code as a metric label: its name in snake case without flags (<c>payload_hash_mismatch</c>),
    /// <c>transfer_error</c> for every failed transfer (with or without an HTTP status), <c>other</c> for codes not known here - so that
    /// a label set built from codes machines report stays bounded.
    /// </summary>
    public static string MetricLabel(long code)
    {
        var baseCode = WithoutFlags(code);
        // 2000 itself: a transfer that got no HTTP status at all (the server could not be reached).
        if (baseCode >= TransferErrorBase && baseCode < TransferErrorBase + 1000)
        {
            return "transfer_error";
        }

        return NameOf(baseCode) is { } name ? name.ToLowerInvariant().Replace(' ', '_') : "other";
    }

    private static long Unwrap(long code) => code is < 0 and >= int.MinValue ? (uint)(int)code : code;

    // Names from update_engine's action exit codes, which CoreOS and Flatcar kept; 44 is CoreOS's rollback.
    private static string? NameOf(long code) => code switch
    {
        Success => "success",
        Error => "error",
        OmahaRequestError => "Omaha request error",
        3 => "Omaha response handler error",
        FilesystemCopierError => "filesystem copier error",
        PostinstallRunnerError => "postinstall runner error",
        InstallDeviceOpenError => "install device open error",
        8 => "kernel device open error",
        DownloadTransferError => "download transfer error",
        PayloadHashMismatch => "payload hash mismatch",
        PayloadSizeMismatch => "payload size mismatch",
        DownloadPayloadVerificationError => "download payload verification error",
        DownloadNewPartitionInfoError => "download new partition info error",
        DownloadWriteError => "download write error",
        NewRootfsVerificationError => "new rootfs verification error",
        NewKernelVerificationError => "new kernel verification error",
        17 => "signed delta payload expected",
        DownloadPayloadPubKeyVerificationError => "download payload public key verification error",
        19 => "postinstall booted from firmware B",
        DownloadStateInitializationError => "download state initialization error",
        InvalidMetadataMagic => "invalid metadata magic",
        22 => "download signature missing in manifest",
        23 => "download manifest parse error",
        24 => "download metadata signature error",
        25 => "download metadata signature verification error",
        26 => "download metadata signature mismatch",
        27 => "download operation hash verification error",
        28 => "download operation execution error",
        DownloadOperationHashMismatch => "download operation hash mismatch",
        30 => "Omaha empty response",
        OmahaRequestXmlParseError => "Omaha request XML parse error",
        32 => "download invalid metadata size",
        33 => "download invalid metadata signature",
        OmahaResponseInvalid => "Omaha response invalid",
        35 => "Omaha update ignored per policy",
        36 => "Omaha update deferred per policy",
        37 => "Omaha error in HTTP response",
        38 => "download operation hash missing",
        39 => "download metadata signature missing",
        OmahaUpdateDeferredForBackoff => "update deferred for backoff",
        41 => "postinstall powerwash error",
        Rollback => "rollback",
        UnhealthyBoot => "new boot failed its health checks",
        RebootFailed => "reboot failed",
        KexecFailed => "kexec failed",
        HostUnreadable => "machine files unreadable",
        SlotUnreadable => "slot filesystem unreadable",
        BootStateError => "boot state error",
        AgentUnreachable => "agent unreachable",
        MachineSetupError => "simulated machine error",
        CommandUnavailable => "host command unavailable",
        StateUnreadable => "agent state unreadable",
        _ => null,
    };
}
