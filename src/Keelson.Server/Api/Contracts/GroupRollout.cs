namespace Keelson.Server.Api.Contracts;

/// <summary>A group, its rollout policy in words and where its rollout stands.</summary>
public sealed record GroupRollout(GroupInfo Group, string Policy, RolloutProgress Progress);
