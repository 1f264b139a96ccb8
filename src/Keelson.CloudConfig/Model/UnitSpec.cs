namespace Keelson.CloudConfig.Model;

/// <summary>One <c>coreos.units</c> item.</summary>
internal sealed record UnitSpec(
    int Line, string? Name, bool Mask, bool Enable, bool Runtime, string? Content, string? Command, IReadOnlyList<(string? Name, string? Content)> DropIns);
