namespace Keelson.Server.Api.Contracts;

/// <summary>One page of a longer list; pages count from 1.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int PageNumber, int PerPage);
