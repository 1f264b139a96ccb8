using System.Net.Sockets;
using System.Reflection;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// Debian's nginx running the repository's <c>deploy/nginx/keelson.conf</c>, as the README tells an operator to
/// install it, with its three ports changed to free loopback ports; everything else of nginx's (pid file, logs, temp
/// files) stays in the test's folder.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    public const string Program = "/usr/sbin/nginx";

    private readonly RunningProcess _process;

    private Nginx(RunningProcess process, Uri url, string directory)
    {
        _process = process;
        Url = url;
        Directory = directory;
    }

    /// <summary>The address the replicas are reached at through nginx.</summary>
    public Uri Url { get; }

    public string Directory { get; }

    /// <summary>The configuration the repository ships, read from the checkout the tests were built from.</summary>
    public static string ShippedConfiguration()
    {
        var checkout = typeof(Nginx).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "KeelsonCheckout").Value!;
        return File.ReadAllText(Path.Combine(checkout, "deploy", "nginx", "keelson.conf"));
    }

    /// <summary>Starts nginx in front of <paramref name="replicas"/> (the two of the shipped configuration) in <paramref name="directory"/>.</summary>
    public static async Task<Nginx> StartAsync(string directory, Uri[] replicas)
    {
        if (!File.Exists(Program))
        {
            throw new InvalidOperationException($"{Program} is missing: install Debian's package nginx");
        }

        var shipped = ShippedConfiguration();
        var port = LoopbackPorts.Next();
        var site = shipped
            .Replace("server 127.0.0.1:8181 ", $"server {replicas[0].Authority} ", StringComparison.Ordinal)
            .Replace("server 127.0.0.1:8182 ", $"server {replicas[1].Authority} ", StringComparison.Ordinal)
            .Replace("    listen 8180;\n", $"    listen 127.0.0.1:{port};\n", StringComparison.Ordinal)
            .Replace("    listen [::]:8180;\n", "", StringComparison.Ordinal);
        if (!site.Contains($"server {replicas[0].Authority} ", StringComparison.Ordinal)
            || !site.Contains($"server {replicas[1].Authority} ", StringComparison.Ordinal)
            || !site.Contains($"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            || site.Contains("listen [::]", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"deploy/nginx/keelson.conf no longer has the ports this test replaces:\n{shipped}");
        }

        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "keelson.conf"), site);
        var temp = Path.Combine(directory, "temp");
        System.IO.Directory.CreateDirectory(temp);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log info;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{directory}}/keelson.conf;
            }
            """);
        var process = ProcessRunner.Start(ProcessRunner.Describe(
            Program, ["-p", directory, "-e", Path.Combine(directory, "error.log"), "-c", Path.Combine(directory, "nginx.conf")], directory));
        var nginx = new Nginx(process, new Uri($"http://127.0.0.1:{port}/"), directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return nginx;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                var log = File.Exists(Path.Combine(directory, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "error.log")) : "";
                await nginx.DisposeAsync();
                throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{port}:\n{process.Describe()}\n--- error.log ---\n{log}");
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
