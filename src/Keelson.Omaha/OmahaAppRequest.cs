namespace Keelson.Omaha;

/// <summary>
/// One <c>&lt;app&gt;</c> of an Omaha request: the machine's identity and state, and what it asks for
/// (a ping, an update check, events).
/// </summary>
/// <remarks>
/// String attributes that were absent are <see langword="null"/>; present but empty, <c>""</c>
/// (update_engine sends <c>machinealias=""</c> and <c>hardware_class=""</c>).
/// Equality compares <see cref="Events"/> element by element.
/// </remarks>
public sealed record OmahaAppRequest
{
    /// <summary>The <c>appid</c> attribute as sent, e.g. <c>{e96281a6-d1af-4bde-9a0a-97b76e56dc57}</c>.</summary>
    public required string AppId { get; init; }

    /// <summary><see cref="AppId"/> without braces and whitespace, lower-cased; compare ids with this.</summary>
    public string NormalizedAppId => OmahaAppId.Normalize(AppId);

    /// <summary>The <c>version</c> attribute: the version the machine runs.</summary>
    public string? Version { get; init; }

    /// <summary>The <c>track</c> attribute: the channel (<c>stable</c>, <c>beta</c>, ...).</summary>
    public string? Track { get; init; }

    /// <summary>The <c>bootid</c> attribute: the kernel boot id, in braces.</summary>
    public string? BootId { get; init; }

    /// <summary>The <c>machineid</c> attribute: 32 hex digits of /etc/machine-id.</summary>
    public string? MachineId { get; init; }

    /// <summary>
    /// The <c>userid</c> attribute of the app, where older Omaha clients name themselves (newer ones put it on
    /// <c>&lt;request&gt;</c>, see <see cref="OmahaRequest.UserId"/>); update_engine sends <c>machineid</c> instead.
    /// </summary>
    public string? UserId { get; init; }

    /// <summary>The <c>machinealias</c> attribute.</summary>
    public string? MachineAlias { get; init; }

    /// <summary>The <c>oem</c> attribute.</summary>
    public string? Oem { get; init; }

    /// <summary>The <c>oemversion</c> attribute.</summary>
    public string? OemVersion { get; init; }

    /// <summary>The <c>alephversion</c> attribute: the version first installed on the machine.</summary>
    public string? AlephVersion { get; init; }

    /// <summary>The <c>board</c> attribute, e.g. <c>amd64-usr</c>.</summary>
    public string? Board { get; init; }

    /// <summary>The <c>lang</c> attribute.</summary>
    public string? Lang { get; init; }

    /// <summary>The <c>hardware_class</c> attribute.</summary>
    public string? HardwareClass { get; init; }

    /// <summary>The <c>delta_okay</c> attribute (<c>"true"</c> or <c>"1"</c>).</summary>
    public bool DeltaOkay { get; init; }

    /// <summary>The <c>&lt;ping&gt;</c> element, or <see langword="null"/> when there was none.</summary>
    public OmahaPing? Ping { get; init; }

    /// <summary>Whether an <c>&lt;updatecheck&gt;</c> element was present.</summary>
    public bool UpdateCheck { get; init; }

    /// <summary>The <c>&lt;event&gt;</c> elements, in document order.</summary>
    public IReadOnlyList<OmahaEvent> Events { get; init; } = [];

    public bool Equals(OmahaAppRequest? other) =>
        other is not null
        && AppId == other.AppId
        && Version == other.Version
        && Track == other.Track
        && BootId == other.BootId
        && MachineId == other.MachineId
        && UserId == other.UserId
        && MachineAlias == other.MachineAlias
        && Oem == other.Oem
        && OemVersion == other.OemVersion
        && AlephVersion == other.AlephVersion
        && Board == other.Board
        && Lang == other.Lang
        && HardwareClass == other.HardwareClass
        && DeltaOkay == other.DeltaOkay
        && Equals(Ping, other.Ping)
        && UpdateCheck == other.UpdateCheck
        && ListEquality.Equal(Events, other.Events);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(AppId);
        hash.Add(Version);
        hash.Add(Track);
        hash.Add(BootId);
        hash.Add(MachineId);
        hash.Add(UserId);
        hash.Add(MachineAlias);
        hash.Add(Oem);
        hash.Add(OemVersion);
        hash.Add(AlephVersion);
        hash.Add(Board);
        hash.Add(Lang);
        hash.Add(HardwareClass);
        hash.Add(DeltaOkay);
        hash.Add(Ping);
        hash.Add(UpdateCheck);
        hash.Add(ListEquality.Hash(Events));
        return hash.ToHashCode();
    }
}
