namespace Keelson.CloudConfig.Model;

/// <summary>One <c>users</c> item: useradd's options as coreos-cloudinit passes them.</summary>
internal sealed record UserSpec(
    int Line,
    string? Name,
    string? PasswordHash,
    IReadOnlyList<string> SshAuthorizedKeys,
    string? Gecos,
    string? HomeDirectory,
    bool NoCreateHome,
    string? PrimaryGroup,
    IReadOnlyList<string> Groups,
    bool NoUserGroup,
    bool System,
    string? Shell);
