namespace Keelson.Agent.Omaha;

/// <summary>Who a machine is and what it runs, as its Omaha requests say it.</summary>
/// <param name="MachineId">32 hex digits of /etc/machine-id.</param>
/// <param name="BootId">The kernel's boot id (changes every boot), in braces as update_engine sends it.</param>
/// <param name="Version">The version the booted slot runs.</param>
/// <param name="Board">The board of the running image, e.g. amd64-usr.</param>
/// <param name="AlephVersion">The version first installed on the machine.</param>
/// <param name="Oem">The OEM id from /etc/oem-release (<c>ID=</c>), or empty.</param>
/// <param name="OemVersion">The OEM version from /etc/oem-release (<c>VERSION_ID=</c>), or empty.</param>
public sealed record MachineIdentity(
    string MachineId,
    string BootId,
    string Version,
    string Board,
    string AlephVersion,
    string Oem,
    string OemVersion);
