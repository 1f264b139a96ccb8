using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Api;

/// <summary>
/// What a request for a list asks for: <paramref name="Page"/> (from 1) of <paramref name="PerPage"/> items (1-500,
/// default 50), or with <paramref name="After"/> (a page's next cursor) the page after that one. Every list of the admin
/// API reads its paging here and answers a <see cref="Page{T}"/>, so that no answer grows with what others created.
/// </summary>
internal sealed record PageRequest(int Page, int PerPage, string? After)
{
    public const int DefaultPerPage = 50;

    /// <summary>The paging parameters in the OpenAPI document's words.</summary>
    public static readonly string Description =
        $"Paging: page (from 1), perPage (1-{FleetQueries.MaxPerPage}, default {DefaultPerPage}); after: a page's next cursor, for the page after it.";

    /// <summary>The paging <paramref name="request"/>'s query asks for, or the parameter that is wrong.</summary>
    public static Outcome<PageRequest> From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = ApiResults.QueryInt(request, "page", 1);
        var perPage = ApiResults.QueryInt(request, "perPage", DefaultPerPage);
        if ((page.Error ?? perPage.Error ?? FleetQueries.CheckPage(page.Value, perPage.Value)) is { } invalid)
        {
            return invalid;
        }

        var after = request.Query["after"].ToString();
        return new PageRequest(page.Value, perPage.Value, after.Length > 0 ? after : null);
    }

    /// <summary>
    /// This page of a list read whole (the lists people make: applications, packages, channels, groups, tokens), in the
    /// order of <paramref name="key"/> under <paramref name="order"/>. A cursor is the key of a page's last item and
    /// the next page starts at the first key past it, so that an item deleted between two pages makes none skipped.
    /// </summary>
    public Page<T> Of<T>(IEnumerable<T> items, Func<T, string> key, IComparer<string> order)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(order);
        var sorted = items.OrderBy(key, order).ToList();
        var start = After is null
            ? (int)Math.Min((long)(Page - 1) * PerPage, sorted.Count)
            : sorted.FindIndex(item => order.Compare(key(item), After) > 0) is var past and >= 0 ? past : sorted.Count;
        var slice = sorted.GetRange(start, Math.Min(PerPage, sorted.Count - start));
        var next = start + slice.Count < sorted.Count ? key(slice[^1]) : null;
        return new Page<T>(slice, sorted.Count, Page, PerPage, Next: next);
    }

    /// <inheritdoc cref="Of{T}(IEnumerable{T}, Func{T, string}, IComparer{string})"/>
    public Outcome<Page<T>> Of<T>(Outcome<IReadOnlyList<T>> items, Func<T, string> key, IComparer<string> order) =>
        items.IsOk ? Of(items.Value!, key, order) : items.Error!;
}
