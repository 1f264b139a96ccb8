using System.Globalization;

namespace Keelson.BootTests.Harness;

/// <summary>A disk made by <c>build-test-image disk</c>: its folder, disk.img and what image.env says about it.</summary>
public sealed record BuiltImage(string Directory, string Backend, long EspOffset, Guid UsrAPartitionUuid, Guid UsrBPartitionUuid, string BaseCommandLine)
{
    public string DiskPath => Path.Combine(Directory, "disk.img");

    public Guid PartitionUuid(char slot) => slot switch
    {
        'A' => UsrAPartitionUuid,
        'B' => UsrBPartitionUuid,
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
            Guid.Parse(values["USR_A_PARTUUID"]),
            Guid.Parse(values["USR_B_PARTUUID"]),
            values["BASE_CMDLINE"]);
    }
}
