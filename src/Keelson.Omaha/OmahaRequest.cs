namespace Keelson.Omaha;

/// <summary>
/// An Omaha v3 request as CoreOS/Flatcar update_engine (and Keelson's agent) send it to <c>/v1/update/</c>.
/// Read one with <see cref="OmahaRequestReader"/>, write one with <see cref="OmahaRequestWriter"/>.
/// </summary>
/// <param name="Protocol">The <c>protocol</c> attribute; the reader accepts only <c>"3.0"</c>.</param>
/// <param name="Version">The <c>version</c> attribute, e.g. <c>update_engine-0.4.10</c>.</param>
/// <param name="UpdaterVersion">The <c>updaterversion</c> attribute.</param>
/// <param name="InstallSource">The <c>installsource</c> attribute: <c>scheduler</c> or <c>ondemandupdate</c>.</param>
/// <param name="IsMachine">The <c>ismachine</c> attribute (<c>"1"</c> or <c>"true"</c>).</param>
/// <param name="Os">The <c>&lt;os&gt;</c> element, or <see langword="null"/> when there was none.</param>
/// <param name="Apps">The <c>&lt;app&gt;</c> elements, in document order.</param>
/// <remarks>
/// String attributes that were absent are <see langword="null"/>; present but empty, <c>""</c>.
/// Equality compares <see cref="Apps"/> element by element.
/// </remarks>
public sealed record OmahaRequest(
    string Protocol,
    string? Version,
    string? UpdaterVersion,
    string? InstallSource,
    bool IsMachine,
    OmahaOs? Os,
    IReadOnlyList<OmahaAppRequest> Apps)
{
    /// <summary>
    /// The <c>userid</c> attribute: the persistent id by which Omaha clients other than update_engine (go-omaha's,
    /// Google's) name the machine; update_engine sends <c>&lt;app machineid&gt;</c> instead.
    /// </summary>
    public string? UserId { get; init; }

    public bool Equals(OmahaRequest? other) =>
        other is not null
        && UserId == other.UserId
        && Protocol == other.Protocol
        && Version == other.Version
        && UpdaterVersion == other.UpdaterVersion
        && InstallSource == other.InstallSource
        && IsMachine == other.IsMachine
        && Equals(Os, other.Os)
        && ListEquality.Equal(Apps, other.Apps);

    public override int GetHashCode() =>
        HashCode.Combine(Protocol, Version, UpdaterVersion, InstallSource, IsMachine, Os, ListEquality.Hash(Apps), UserId);
}
