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
    public static IBootBackend Open(BootBackendKind kind, string diskPath, string espDirectory) => kind switch
    {
        BootBackendKind.Gptprio => new GptprioBackend(diskPath),
        _ => throw new DiskException($"the {kind.Name()} boot backend is not in this build (ESP {espDirectory})"),
    };
}
