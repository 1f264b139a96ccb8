using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Keelson.Tls;

/// <summary>
/// The certificate a server presents, read from its PEM files at start and again on the first handshake after
/// either file changed, so that a renewed certificate reaches new connections without a restart. A changed pair
/// that cannot be used (unreadable, a key of another certificate, expired) is logged with the reason and the last
/// good certificate served on.
/// </summary>
public sealed partial class ServerCertificate
{
    private readonly ServerTlsSettings _settings;
    private readonly TimeProvider _time;
    private readonly Lock _reloading = new();
    private volatile Loaded _current;
    private (FileStamp Cert, FileStamp Key) _tried;

    /// <exception cref="TlsException">The files cannot be used now: a server does not start without a certificate.</exception>
    public ServerCertificate(ServerTlsSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = time;
        _tried = (FileStamp.Of(settings.CertFile), FileStamp.Of(settings.KeyFile));
        _current = Load();
    }

    /// <summary>Where reloads are logged; set once the server's logging is built (the files are read before).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The certificate served now (as of the last handshake's look at the files).</summary>
    public X509Certificate2 Certificate => _current.Certificate;

    /// <summary>The certificate and intermediates for a new connection, read again first when the files changed.</summary>
    public SslStreamCertificateContext ContextForNewConnection()
    {
        var stamps = (FileStamp.Of(_settings.CertFile), FileStamp.Of(_settings.KeyFile));
        if (stamps == _tried)
        {
            return _current.Context;
        }

        lock (_reloading)
        {
            if (stamps != _tried)
            {
                // Tried once per change: a bad pair is reported once, not at every connection.
                _tried = stamps;
                try
                {
                    _current = Load();
                    LogReloaded(Logger, _current.Certificate.Subject, _current.Certificate.NotAfter.ToUniversalTime(), _settings.CertFile);
                }
                catch (TlsException e)
                {
                    LogReloadFailed(Logger, _settings.CertFile, _settings.KeyFile, e.Message, _current.Certificate.Subject);
                }
            }

            return _current.Context;
        }
    }

    private Loaded Load()
    {
        var (certificate, intermediates) = PemFiles.ReadPair(_settings.CertFile, _settings.KeyFile, $"{ServerTlsSettings.CertFlag}/{ServerTlsSettings.KeyFlag}");
        if (certificate.NotAfter.ToUniversalTime() < _time.GetUtcNow().UtcDateTime)
        {
            throw new TlsException($"the certificate '{_settings.CertFile}' ({certificate.Subject}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC");
        }

        return new Loaded(certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
    }

    [LoggerMessage(EventId = TlsEventIds.CertificateReloaded, Level = LogLevel.Information,
        Message = "TLS: serving the renewed certificate {Subject} (valid until {NotAfter:u}) from {CertFile}")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTime notAfter, string certFile);

    [LoggerMessage(EventId = TlsEventIds.CertificateReloadFailed, Level = LogLevel.Error,
        Message = "TLS: the changed certificate {CertFile} and key {KeyFile} are not used: {Reason}; still serving {Subject}")]
    private static partial void LogReloadFailed(ILogger logger, string certFile, string keyFile, string reason, string subject);

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context);

    /// <summary>What says a file changed: its size and modification time, of the file a symbolic link leads to (certbot's live/ links).</summary>
    private readonly record struct FileStamp(string Path, long Length, DateTime Modified)
    {
        public static FileStamp Of(string path)
        {
            try
            {
                var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
                var info = new FileInfo(target);
                return info.Exists ? new FileStamp(target, info.Length, info.LastWriteTimeUtc) : new FileStamp(target, -1, default);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new FileStamp(path, -1, default);
            }
        }
    }
}
