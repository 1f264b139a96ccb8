using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace Keelson.Tls;

/// <summary>Checks a peer's certificate against given CAs and says, in words, why it is refused.</summary>
internal static class CertificateProblems
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to one of <paramref name="trusted"/> (the only roots) and is
    /// valid at <paramref name="now"/>; otherwise why not.
    /// </summary>
    /// <param name="trustedName">Where the trusted CAs come from, for the message: <c>the CA in ca.pem (--tls-client-ca)</c>.</param>
    public static string? Check(X509Certificate2 certificate, X509Certificate2Collection trusted, DateTimeOffset now, string trustedName, bool forClient, IEnumerable<X509Certificate2>? extra = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (forClient)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthentication));
        }

        foreach (var certificateOnTheWay in extra ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(certificateOnTheWay);
        }

        return chain.Build(certificate) ? null : Describe(certificate, chain, now, trustedName);
    }

    /// <summary>Why <paramref name="chain"/> (built and failed) refuses <paramref name="certificate"/>: expiry first, then trust.</summary>
    public static string Describe(X509Certificate2 certificate, X509Chain chain, DateTimeOffset now, string trustedName)
    {
        var subject = Name(certificate);
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
        foreach (var element in chain.ChainElements)
        {
            flags |= element.ChainElementStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
        }

        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return certificate.NotAfter.ToUniversalTime() < now.UtcDateTime
                ? $"the certificate {subject} expired on {Time(certificate.NotAfter)}"
                : certificate.NotBefore.ToUniversalTime() > now.UtcDateTime
                    ? $"the certificate {subject} is not valid before {Time(certificate.NotBefore)}"
                    : $"a certificate on the way from {subject} to its CA is outside its validity period";
        }

        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            return $"the certificate {subject} is issued by '{certificate.Issuer}', which is not {trustedName}";
        }

        if ((flags & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            return $"the certificate {subject} is not meant for this use (its extended key usage)";
        }

        var statuses = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return $"the certificate {subject} is not valid: {string.Join("; ", statuses)}";
    }

    public static string Name(X509Certificate2 certificate) => $"'{certificate.Subject}'";

    private static string Time(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
