namespace Keelson.Server.Trust;

/// <summary>
/// What a request proved about who sent it: the name of the machine token it carried and the name its client
/// certificate gives (subject common name), each null when absent or not valid.
/// </summary>
public readonly record struct MachineCaller(string? TokenName, string? CertificateName)
{
    /// <summary>What a request that proved nothing is.</summary>
    public static MachineCaller Anonymous => default;
}
