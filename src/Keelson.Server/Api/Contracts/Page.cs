namespace Keelson.Server.Api.Contracts;

/// <summary>
/// One page of a longer list; pages count from 1. <paramref name="TotalCapped"/>: more than <paramref name="Total"/>
/// match, counting stopped there (a broad search of a large fleet). <paramref name="Next"/>: a cursor for the page
/// after this one (<c>after=</c>), which reads as fast at any depth as the first page; null on the last page, or
/// where the list has no cursors.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int PageNumber, int PerPage, bool TotalCapped = false, string? Next = null);
