namespace Keelson.Omaha;

/// <summary>
/// An Omaha v3 response, as Keelson's server answers update_engine. Write one with
/// <see cref="OmahaResponseWriter"/>, read one with <see cref="OmahaResponseReader"/>.
/// </summary>
/// <param name="Apps">One answer per <c>&lt;app&gt;</c> of the request, in the same order.</param>
/// <param name="DaystartElapsedSeconds">
/// <c>&lt;daystart elapsed_seconds&gt;</c>: seconds since the server's midnight. The reader gives 0 when
/// there was no <c>&lt;daystart&gt;</c>.
/// </param>
/// <param name="Server">The <c>server</c> attribute of <c>&lt;response&gt;</c>; the reader gives <c>""</c> when absent.</param>
/// <remarks>Equality compares <see cref="Apps"/> element by element.</remarks>
public sealed record OmahaResponse(IReadOnlyList<OmahaAppResponse> Apps, long DaystartElapsedSeconds, string Server = "keelson")
{
    public bool Equals(OmahaResponse? other) =>
        other is not null
        && DaystartElapsedSeconds == other.DaystartElapsedSeconds
        && Server == other.Server
        && ListEquality.Equal(Apps, other.Apps);

    public override int GetHashCode() => HashCode.Combine(DaystartElapsedSeconds, Server, ListEquality.Hash(Apps));
}
