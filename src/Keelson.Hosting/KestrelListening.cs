using System.Net.Security;
using Keelson.Tls;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Hosting;

/// <summary>
/// Where and how a Keelson service listens: its <c>--listen</c> addresses, and with <c>--tls-cert</c>/<c>--tls-key</c>
/// HTTPS on all of them, the certificate read again when its files change, and with <c>--tls-client-ca</c> a client
/// certificate of that CA required (the application finds it in <c>HttpContext.Connection.ClientCertificate</c>).
/// </summary>
public static class KestrelListening
{
    /// <summary>The logger category of TLS refusals and certificate reloads.</summary>
    public const string LogCategory = "Keelson.Tls";

    /// <summary>
    /// Sets the addresses of <paramref name="webHost"/> (<paramref name="defaultListen"/> when none is given, as https
    /// when a certificate is) and its TLS. Reads the certificate files now, so that a bad one stops the start.
    /// </summary>
    /// <exception cref="TlsException">An https address without a certificate, a certificate with an http address, or a file that cannot be used.</exception>
    public static void Configure(IWebHostBuilder webHost, IReadOnlyList<Uri> listen, Uri defaultListen, ServerTlsSettings? tls, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(webHost);
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(defaultListen);
        IReadOnlyList<Uri> addresses = listen.Count > 0 ? listen
            : [tls is null ? defaultListen : new UriBuilder(defaultListen) { Scheme = Uri.UriSchemeHttps }.Uri];
        ServerTlsSettings.CheckListen(addresses, tls);
        webHost.UseUrls([.. addresses.Select(u => u.ToString())]);
        if (tls is null)
        {
            return;
        }

        var certificate = new ServerCertificate(tls, time);
        var clients = tls.ClientCaFile is { } ca ? new ClientCertificatePolicy(ca, time) : null;
        webHost.ConfigureKestrel(kestrel =>
        {
            var logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
            certificate.Logger = logger;
            clients?.Logger = logger;
            // Every address is https (checked above); Kestrel adds TLS to the ones with these defaults.
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificate.ContextForNewConnection(),
                    ClientCertificateRequired = clients is not null,
                    RemoteCertificateValidationCallback = clients?.For(context.Connection.RemoteEndPoint),
                }),
            }));
        });
    }
}
