using System.Globalization;
using System.Text;

namespace Keelson.Server.Catalog;

/// <summary>
/// Which machines to list and in what order: filters (group, status, version), a search (machines whose id, name,
/// address or version starts with it), a sort key (<see cref="SortKeys"/>, <c>-</c> first for descending) and a
/// page: a page number, or, from a page's <see cref="Api.Contracts.Page{T}.Next"/> cursor, the page after it.
/// </summary>
public sealed record InstanceQuery(
    string? Group = null,
    string? Status = null,
    string? Version = null,
    string? Search = null,
    string Sort = InstanceQuery.DefaultSort,
    int Page = 1,
    int PerPage = 50,
    string? After = null)
{
    public const string DefaultSort = "-lastCheck";
    public const int MaxSearchLength = 200;

    /// <summary>
    /// A search matching more machines than this is not counted further (the total reads "10,000+") and its pages
    /// walk the sort order instead of sorting the matches.
    /// </summary>
    public const int SearchCountLimit = 10_000;

    // Each sort key's column; every one but the group has an index (app_id, column, machine_id).
    private static readonly Dictionary<string, string> s_columns = new(StringComparer.Ordinal)
    {
        ["lastCheck"] = "i.last_check_at",
        ["firstSeen"] = "i.first_seen_at",
        ["machine"] = "i.machine_id",
        ["alias"] = "lower(i.alias)",
        ["ip"] = "i.ip",
        ["version"] = "i.version",
        ["status"] = "i.status",
        ["group"] = "g.name",
    };

    private static readonly HashSet<string> s_numeric = new(StringComparer.Ordinal) { "lastCheck", "firstSeen" };

    /// <summary>The sort keys, each also with a leading <c>-</c> for descending.</summary>
    public static IReadOnlyCollection<string> SortKeys => s_columns.Keys;

    /// <summary>Why the query cannot run, or null.</summary>
    public CatalogError? Check() =>
        FleetQueries.CheckPage(Page, PerPage)
        ?? (Search is { Length: > MaxSearchLength } ? CatalogError.Invalid("q", $"the search is longer than {MaxSearchLength} characters")
        : !s_columns.ContainsKey(SortKey)
            ? CatalogError.Invalid("sort", $"sort '{Names.Shorten(Sort)}' is not one of {string.Join(", ", SortKeys)} (a leading - sorts descending)")
        : After is not null && Cursor() is null
            ? CatalogError.Invalid("after", $"'{Names.Shorten(After)}' is not a cursor of a list sorted by {Sort} (take the next cursor of the page before, with the same sort)")
        : null);

    public bool Descending => Sort.StartsWith('-');

    public string SortKey => Sort.TrimStart('-');

    /// <summary>Whether pages of this sort can be continued from a cursor (the group's name is in another table).</summary>
    public bool HasCursor => SortKey != "group";

    /// <summary>The sort column as SQL, the value a cursor carries.</summary>
    internal string SortColumn => s_columns[SortKey];

    /// <summary>The search, trimmed, or null.</summary>
    internal string? Prefix => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim();

    /// <summary>
    /// The ORDER BY clause; the machine id breaks ties so that pages never overlap, in the same direction, so that an
    /// index on (app_id, column, machine_id) serves it either way.
    /// </summary>
    internal string OrderBy()
    {
        var direction = Descending ? " DESC" : "";
        if (SortKey == "machine")
        {
            return "i.machine_id" + direction;
        }

        // Machines without a group sort first ascending, last descending, on every engine: SQLite puts NULLs first,
        // PostgreSQL last, unless told.
        var nulls = SortKey == "group" ? $"CASE WHEN g.name IS NULL THEN 0 ELSE 1 END{direction}, " : "";
        return $"{nulls}{SortColumn}{direction}, i.machine_id{direction}";
    }

    /// <summary>The condition "after the cursor" in the sort order, with parameters @afterValue and @afterMachine.</summary>
    internal string AfterCondition()
    {
        var op = Descending ? "<" : ">";
        return SortKey == "machine"
            ? $"i.machine_id {op} @afterMachine"
            : $"({SortColumn}, i.machine_id) {op} (@afterValue, @afterMachine)";
    }

    /// <summary>The cursor's sort value (a number for times) and machine id, or null when it is not one of this sort.</summary>
    internal (object Value, string Machine)? Cursor()
    {
        if (After is null || !HasCursor)
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(After.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (After.Length % 4)) % 4)));
        }
        catch (FormatException)
        {
            return null;
        }

        var parts = text.Split('\n');
        if (parts.Length != 3 || parts[0] != Sort)
        {
            return null;
        }

        if (!s_numeric.Contains(SortKey))
        {
            return (parts[1], parts[2]);
        }

        return long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? (number, parts[2]) : null;
    }

    /// <summary>The cursor of the page after the row with <paramref name="sortValue"/> (as text) and <paramref name="machineId"/>.</summary>
    internal string NextCursor(string sortValue, string machineId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sort}\n{sortValue}\n{machineId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
