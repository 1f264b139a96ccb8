namespace Keelson.Server.Catalog;

/// <summary>
/// Which machines to list and in what order: filters (group, status, version), a search over id, alias, address
/// and version, a sort key (<see cref="SortKeys"/>, <c>-</c> first for descending) and a page.
/// </summary>
public sealed record InstanceQuery(
    string? Group = null,
    string? Status = null,
    string? Version = null,
    string? Search = null,
    string Sort = InstanceQuery.DefaultSort,
    int Page = 1,
    int PerPage = 50)
{
    public const string DefaultSort = "-lastCheck";
    public const int MaxSearchLength = 200;

    private static readonly Dictionary<string, string> s_columns = new(StringComparer.Ordinal)
    {
        ["lastCheck"] = "i.last_check_at",
        ["firstSeen"] = "i.first_seen_at",
        ["machine"] = "i.machine_id",
        ["alias"] = "i.alias",
        ["ip"] = "i.ip",
        ["version"] = "i.version",
        ["status"] = "i.status",
        ["group"] = "g.name",
    };

    /// <summary>The sort keys, each also with a leading <c>-</c> for descending.</summary>
    public static IReadOnlyCollection<string> SortKeys => s_columns.Keys;

    /// <summary>Why the query cannot run, or null.</summary>
    public CatalogError? Check() =>
        FleetQueries.CheckPage(Page, PerPage)
        ?? (Search is { Length: > MaxSearchLength } ? CatalogError.Invalid("q", $"the search is longer than {MaxSearchLength} characters")
        : !s_columns.ContainsKey(Sort.TrimStart('-'))
            ? CatalogError.Invalid("sort", $"sort '{Names.Shorten(Sort)}' is not one of {string.Join(", ", SortKeys)} (a leading - sorts descending)")
        : null);

    public bool Descending => Sort.StartsWith('-');

    public string SortKey => Sort.TrimStart('-');

    /// <summary>
    /// The ORDER BY clause; the machine id breaks ties so that pages never overlap, in the same direction, so that an
    /// index on (app_id, column, machine_id) serves it either way.
    /// </summary>
    internal string OrderBy()
    {
        var direction = Descending ? " DESC" : "";
        var column = s_columns[SortKey];
        if (column == "i.machine_id")
        {
            return column + direction;
        }

        // Machines without a group sort first ascending, last descending, on every engine: SQLite puts NULLs first,
        // PostgreSQL last, unless told.
        var nulls = column == "g.name" ? $"CASE WHEN g.name IS NULL THEN 0 ELSE 1 END{direction}, " : "";
        return $"{nulls}{column}{direction}, i.machine_id{direction}";
    }

    /// <summary>The search as a LIKE pattern (its wildcards escaped with <c>\</c>), or null.</summary>
    internal string? LikePattern() =>
        string.IsNullOrWhiteSpace(Search)
            ? null
            : "%" + Search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                .Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
