namespace Keelson.Omaha;

/// <summary>The <c>&lt;updatecheck&gt;</c> of an app in an Omaha response.</summary>
/// <param name="Status">The <c>status</c> attribute; see <see cref="OmahaUpdateCheckStatus"/>.</param>
/// <param name="Manifest">The <c>&lt;manifest&gt;</c>, present when an update is offered.</param>
/// <param name="Codebases">
/// The <c>&lt;url codebase&gt;</c> values: base URLs to which the client appends the first package's name.
/// <see langword="null"/> writes no <c>&lt;urls&gt;</c> element; the reader gives <see langword="null"/> when
/// there was none and a list (possibly empty) when there was one.
/// </param>
/// <param name="PollIntervalSeconds">The <c>PollInterval</c> attribute, in seconds, when set.</param>
/// <remarks>Equality compares <see cref="Codebases"/> element by element.</remarks>
public sealed record OmahaUpdateCheckResponse(
    string Status,
    OmahaManifest? Manifest = null,
    IReadOnlyList<string>? Codebases = null,
    int? PollIntervalSeconds = null)
{
    public bool Equals(OmahaUpdateCheckResponse? other) =>
        other is not null
        && Status == other.Status
        && Equals(Manifest, other.Manifest)
        && PollIntervalSeconds == other.PollIntervalSeconds
        && ListEquality.Equal(Codebases, other.Codebases);

    public override int GetHashCode() => HashCode.Combine(Status, Manifest, PollIntervalSeconds, ListEquality.Hash(Codebases));
}
