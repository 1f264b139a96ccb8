namespace Keelson.Server.Api.Contracts;

/// <summary>How many machines have one value of something: a version, a status, a reason.</summary>
public sealed record Tally(string Name, long Machines);
