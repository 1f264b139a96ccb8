namespace Keelson.Omaha;

/// <summary>The <c>&lt;manifest&gt;</c> of an offered update.</summary>
/// <param name="Version">The <c>version</c> attribute: the version offered.</param>
/// <param name="Packages">The <c>&lt;package&gt;</c> elements; update_engine downloads the first.</param>
/// <param name="Action">The <c>&lt;action event="postinstall"&gt;</c>, which update_engine requires.</param>
/// <remarks>Equality compares <see cref="Packages"/> element by element.</remarks>
public sealed record OmahaManifest(string Version, IReadOnlyList<OmahaPackage> Packages, OmahaPostInstallAction Action)
{
    public bool Equals(OmahaManifest? other) =>
        other is not null
        && Version == other.Version
        && Action == other.Action
        && ListEquality.Equal(Packages, other.Packages);

    public override int GetHashCode() => HashCode.Combine(Version, Action, ListEquality.Hash(Packages));
}
