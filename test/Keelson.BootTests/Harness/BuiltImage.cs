using System.Globalization;

namespace Keelson.BootTests.Harness;

/// <summary>A disk made by <c>build-test-image disk</c>: its folder, disk.img and what image.env says about it.</summary>
public sealed record BuiltImage(
    string Directory, string Backend, long EspOffset, long EspSize, Guid UsrAPartitionUuid, Guid UsrBPartitionUuid, long UsrAOffset, long UsrBOffset,
    string BaseCommandLine, string MachineId)
{
    public string DiskPath => Path.Combine(Directory, "disk.img");

    public Guid PartitionUuid(char slot) => slot switch
    {
        'A' => UsrAPartitionUuid,
        'B' => UsrBPartitionUuid,
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "a slot is A or B"),
    };

    /// <summary>Where slot <paramref name="slot"/>'s partition starts on the disk, in bytes.</summary>
    public long SlotOffset(char slot) => slot switch
    {
        'A' => UsrAOffset,
        'B' => UsrBOffset,
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "a slot is A or B"),
    };

    public static BuiltImage Read(string directory)
    {
        var values = File.ReadAllLines(Path.Combine(directory, "image.env"))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        return new BuiltImage(
            directory,
            values["BACKEND"],
            long.Parse(values["ESP_OFFSET"], CultureInfo.InvariantCulture),
            long.Parse(values["ESP_SIZE"], CultureInfo.InvariantCulture),
            Guid.Parse(values["USR_A_PARTUUID"]),
            Guid.Parse(values["USR_B_PARTUUID"]),
            long.Parse(values["USR_A_OFFSET"], CultureInfo.InvariantCulture),
            long.Parse(values["USR_B_OFFSET"], CultureInfo.InvariantCulture),
            values["BASE_CMDLINE"],
            values["MACHINE_ID"]);
    }
}
