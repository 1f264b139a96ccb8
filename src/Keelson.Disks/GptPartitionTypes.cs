namespace Keelson.Disks;

/// <summary>The partition type GUIDs of the Flatcar/CoreOS layout (and ChromeOS', whose cgpt tools Flatcar uses).</summary>
public static class GptPartitionTypes
{
    /// <summary>An unused entry: all zero.</summary>
    public static readonly Guid Unused = Guid.Empty;

    public static readonly Guid EfiSystem = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    public static readonly Guid BiosBoot = new("21686148-6449-6e6f-744e-656564454649");

    /// <summary>CoreOS usr: the A/B slots that gptprio chooses between.</summary>
    public static readonly Guid CoreOsUsr = new("5dfbf5f4-2848-4bac-aa5e-0d9a20b745a6");

    public static readonly Guid LinuxData = new("0fc63daf-8483-4772-8e79-3d69d8477de4");
    public static readonly Guid CoreOsReserved = new("c95dc21a-df0e-4340-8d7b-26cbfa9a03e0");
    public static readonly Guid CoreOsResize = new("3884dd41-8582-4404-b9a8-e9b84f2df50e");

    /// <summary>ChromeOS kernel: the type upstream <c>cgpt prioritize</c> works on.</summary>
    public static readonly Guid ChromeOsKernel = new("fe3a2a5d-4f32-41a7-b725-accc3285a309");

    /// <summary>A short name for a known type ("efi", "usr", ...), else the GUID.</summary>
    public static string Describe(Guid type) => type switch
    {
        _ when type == EfiSystem => "efi",
        _ when type == BiosBoot => "bios-boot",
        _ when type == CoreOsUsr => "coreos-usr",
        _ when type == LinuxData => "linux-data",
        _ when type == CoreOsReserved => "coreos-reserved",
        _ when type == CoreOsResize => "coreos-resize",
        _ when type == ChromeOsKernel => "chromeos-kernel",
        _ => type.ToString(),
    };
}
