namespace Keelson.Server.Api.Contracts;

/// <summary>What a delete removed, and what follows from it in words an operator reads.</summary>
/// <param name="Kind">package, channel or group.</param>
/// <param name="Name">The version of a package, the name of a channel or group.</param>
/// <param name="Machines">Machines that were in a deleted group; 0 otherwise.</param>
/// <param name="Message">What happened, e.g. "group canary deleted; its 2 machines ...".</param>
public sealed record DeletedInfo(string Kind, string Name, long Machines, string Message);
