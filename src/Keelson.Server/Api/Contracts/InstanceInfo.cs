namespace Keelson.Server.Api.Contracts;

/// <summary>A machine as last seen, with its update status and, when held back or failed, the reason.</summary>
public sealed record InstanceInfo(
    string MachineId,
    string Alias,
    string Ip,
    string Oem,
    string OemVersion,
    string Board,
    string AlephVersion,
    string Version,
    string Track,
    string? Group,
    string Status,
    string? StatusReason,
    string? UpdateVersion,
    DateTimeOffset? UpdateGrantedAt,
    long? LastErrorCode,
    string? LastError,
    double RampPlace,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastCheckAt);
