using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keelson.Server.Catalog;
using Keelson.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Trust;

/// <summary>
/// The one rule of which requests may act for a machine: move its status, take an update slot in its group, take or
/// free its reboot slot. A request that may not is still answered and recorded as a sighting; it changes nothing else.
/// </summary>
/// <remarks>
/// A machine token is what <c>update_engine</c>, Zincati and Keelson's agent can all send without a change: the
/// password of the server URL's user information (<c>https://m:TOKEN@host/v1/update/</c>), which they send as HTTP
/// basic credentials; a bearer token is taken too. A token vouches for whoever holds it, so one fleet token keeps out
/// the outside world but not one machine posing as another; a client certificate binds each machine id to its key.
/// </remarks>
public sealed class MachineTrust
{
    // A token longer than this is no token of ours: it is not looked up, let alone hashed.
    private const int MaxSecretLength = 512;

    private readonly TokenStore? _tokens;

    /// <param name="mode">Which requests to believe.</param>
    /// <param name="tokens">The tokens an operator made (role <c>machine</c>); needed when trusting by token.</param>
    public MachineTrust(MachineTrustMode mode, TokenStore? tokens)
    {
        if (mode == MachineTrustMode.Token && tokens is null)
        {
            throw new ArgumentException("trusting machines by token needs the token store", nameof(tokens));
        }

        Mode = mode;
        _tokens = tokens;
    }

    /// <summary>
    /// Fails the start of a server that is to trust machines by certificate but asks none of them for one.
    /// </summary>
    /// <exception cref="Keelson.Tls.TlsException">Certificates are to be trusted but no <c>--tls-client-ca</c> is given.</exception>
    public static void CheckSettings(MachineTrustMode mode, Keelson.Tls.ServerTlsSettings? tls)
    {
        if (mode == MachineTrustMode.Certificate && tls?.ClientCaFile is null)
        {
            throw new Keelson.Tls.TlsException(
                $"--machine-trust certificate needs client certificates: give {Keelson.Tls.ServerTlsSettings.ClientCaFlag} FILE (with "
                + $"{Keelson.Tls.ServerTlsSettings.CertFlag} and {Keelson.Tls.ServerTlsSettings.KeyFlag}), the CA that signs the machines' certificates");
        }
    }

    public MachineTrustMode Mode { get; }

    /// <summary>What the request proves about its sender; nothing is read when every request is believed.</summary>
    public async ValueTask<MachineCaller> IdentifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        switch (Mode)
        {
            case MachineTrustMode.Certificate:
                return new MachineCaller(null, CertificateName(context.Connection.ClientCertificate));
            case MachineTrustMode.Token:
                var secret = Secret(context.Request.Headers.Authorization.ToString());
                var caller = secret is null ? null : await _tokens!.AuthenticateAsync(secret, cancellationToken);
                return new MachineCaller(caller is not null && caller.Can(Permission.ActAsMachine) ? caller.Name : null, null);
            default:
                return MachineCaller.Anonymous;
        }
    }

    /// <summary>Why <paramref name="caller"/> may not act for <paramref name="machineId"/>; null when it may.</summary>
    public string? Refusal(MachineCaller caller, string machineId) => Mode switch
    {
        MachineTrustMode.Token when caller.TokenName is null =>
            "not trusted: the request carries no valid machine token (the server runs with --machine-trust token)",
        MachineTrustMode.Certificate when caller.CertificateName is null =>
            "not trusted: the request carries no client certificate (the server runs with --machine-trust certificate)",
        MachineTrustMode.Certificate when !string.Equals(caller.CertificateName, machineId, StringComparison.OrdinalIgnoreCase) =>
            $"not trusted: the client certificate is for '{Names.Shorten(caller.CertificateName!)}', not for '{Names.Shorten(machineId)}'",
        _ => null,
    };

    /// <summary>The name a client certificate gives: its subject's common name. Kestrel has checked its chain.</summary>
    private static string? CertificateName(X509Certificate2? certificate) =>
        certificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } name ? name : null;

    /// <summary>The secret of an <c>Authorization</c> header: a bearer token, or the password of basic credentials.</summary>
    internal static string? Secret(string authorization)
    {
        var space = authorization.IndexOf(' ');
        if (space <= 0 || authorization.Length > MaxSecretLength * 2)
        {
            return null;
        }

        var scheme = authorization.AsSpan(0, space);
        var value = authorization.AsSpan(space + 1).Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return Bounded(value.ToString());
        }

        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        Span<byte> decoded = stackalloc byte[MaxSecretLength * 2];
        if (!Convert.TryFromBase64Chars(value, decoded, out var length))
        {
            return null;
        }

        string credentials;
        try
        {
            credentials = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded[..length]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var colon = credentials.IndexOf(':');
        return colon < 0 ? null : Bounded(credentials[(colon + 1)..]);
    }

    private static string? Bounded(string secret) => secret.Length is > 0 and <= MaxSecretLength ? secret : null;
}
