namespace Keelson.Disks.Boot;

/// <summary>The boot backends by name, as <c>KEELSON_BOOT_BACKEND</c> and <c>--boot-backend</c> take them.</summary>
public static class BootBackends
{
    /// <summary>Where an ESP is mounted on a machine when nothing else is configured (Flatcar mounts it at /boot).</summary>
    public const string DefaultEspDirectory = "/boot";

    public static IReadOnlyList<string> Names { get; } = ["gptprio", "grub-env", "systemd-boot"];

    public static string Name(this BootBackendKind kind) => kind switch
    {
        BootBackendKind.Gptprio => "gptprio",
        BootBackendKind.GrubEnv => "grub-env",
        BootBackendKind.SystemdBoot => "systemd-boot",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The backend named <paramref name="name"/>, or null when there is none of that name.</summary>
    public static BootBackendKind? Parse(string name) => name switch
    {
        "gptprio" => BootBackendKind.Gptprio,
        "grub-env" => BootBackendKind.GrubEnv,
        "systemd-boot" => BootBackendKind.SystemdBoot,
        _ => null,
    };

    /// <summary>The backend of <paramref name="kind"/> for the slots of <paramref name="diskPath"/> and the ESP mounted at <paramref name="espDirectory"/>.</summary>
    /// <remarks>The ESP folder is made absolute, so that the kernel paths of a <see cref="KexecTarget"/> are.</remarks>
    public static IBootBackend Open(BootBackendKind kind, string diskPath, string espDirectory) => kind switch
    {
        BootBackendKind.Gptprio => new GptprioBackend(diskPath),
        BootBackendKind.GrubEnv => new GrubEnvBackend(diskPath, Path.GetFullPath(espDirectory)),
        BootBackendKind.SystemdBoot => new SystemdBootBackend(diskPath, Path.GetFullPath(espDirectory)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a boot backend"),
    };

    /// <summary>
    /// Sets up a freshly imaged disk's boot state on the ESP mounted at <paramref name="espDirectory"/>: slot A
    /// good and first with <paramref name="slotA"/>'s kernel, B empty (grub-env: grubenv and grub.cfg; systemd-boot:
    /// loader.conf and A's entry). gptprio keeps its state in the GPT, which <c>keelson disk create</c> sets up.
    /// </summary>
    /// <exception cref="DiskException">The disk or the ESP cannot be read or written, or <paramref name="kind"/> is gptprio.</exception>
    public static Task InitializeAsync(BootBackendKind kind, string diskPath, string espDirectory, SlotKernel slotA, CancellationToken cancellationToken) =>
        Open(kind, diskPath, espDirectory) switch
        {
            GrubEnvBackend grub => grub.InitializeAsync(slotA, cancellationToken),
            SystemdBootBackend systemd => systemd.InitializeAsync(slotA, cancellationToken),
            _ => throw new DiskException($"the {kind.Name()} backend keeps its state in the GPT of {diskPath}; 'keelson disk create' already set it up, nothing goes on the ESP"),
        };
}
