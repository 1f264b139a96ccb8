using System.CommandLine;
using Keelson.Coordination.Etcd;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Server.FleetLock;
using Microsoft.Extensions.Hosting;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson fleetlock serve</c>: a stateless FleetLock server (Zincati's reboot-lock protocol) on etcd.</summary>
internal static class FleetLockCommands
{
    public static Command Create()
    {
        var command = new Command("fleetlock", "FleetLock, the reboot-lock protocol of Fedora CoreOS' Zincati (POST /v1/pre-reboot, /v1/steady-state)");
        command.Subcommands.Add(CreateServe());
        return command;
    }

    private static Command CreateServe()
    {
        var listen = CliParsing.ListenOption(FleetLockServerOptions.DefaultListen.ToString().TrimEnd('/'));
        var etcd = new Option<string>("--etcd") { Description = "etcd client URLs, comma-separated (e.g. http://10.0.0.1:2379,http://10.0.0.2:2379)", Required = true };
        etcd.Validators.Add(result =>
        {
            if (!TryParseEndpoints(result.GetValueOrDefault<string>(), out _, out var error))
            {
                result.AddError($"--etcd {error}");
            }
        });
        var slots = new Option<int>("--slots") { Description = "how many machines of a group may reboot at once (0 stops reboots)", DefaultValueFactory = _ => 1 };
        slots.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > FleetLockSlots.MaxSlots)
            {
                result.AddError($"--slots {result.GetValueOrDefault<int>()} must be from 0 to {FleetLockSlots.MaxSlots}");
            }
        });
        var groupSlots = new Option<string[]>("--group-slots")
        {
            Description = "slots of one group, NAME=N, different from --slots (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        groupSlots.Validators.Add(result =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var text in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!FleetLockSlots.TryParseGroupSlots(text, out var group, out _, out var error))
                {
                    result.AddError($"--group-slots {error}");
                }
                else if (!seen.Add(group))
                {
                    result.AddError($"--group-slots names group '{group}' more than once");
                }
            }
        });
        var caFile = new Option<string>("--etcd-cafile") { Description = "PEM CA that signed the etcd members' certificates (https endpoints)" };
        var certFile = new Option<string>("--etcd-certfile") { Description = "PEM client certificate to show etcd (with --etcd-keyfile)" };
        var keyFile = new Option<string>("--etcd-keyfile") { Description = "PEM private key of --etcd-certfile" };
        var username = new Option<string>("--etcd-username") { Description = "etcd user, when etcd's authentication is enabled (with --etcd-password)" };
        var password = new Option<string>("--etcd-password") { Description = "password of --etcd-username" };
        var machineTrust = CliParsing.MachineTrustOption(
            "whose requests may take or free a slot: any, or certificate (mTLS; the client certificate's CN must be the id)",
            Keelson.Server.Trust.MachineTrustMode.Any, Keelson.Server.Trust.MachineTrustMode.Certificate);

        var trustedProxy = CliParsing.TrustedProxyOption();
        var limitFleetLock = CliParsing.LimitOption("--limit-fleetlock", "FleetLock requests a minute from one address", FleetLockLimits.DefaultPerMinute);
        var limitGroups = CliParsing.LimitOption("--limit-fleetlock-groups", "FleetLock groups kept in etcd (a new group beyond gets 429)", FleetLockLimits.DefaultGroups);
        var limitConnections = CliParsing.LimitOption("--limit-connections", "connections open at once", Keelson.Server.ServerLimits.DefaultConnections);

        var command = new Command("serve", "serve FleetLock from semaphores in etcd (Airlock's keys); any number of replicas may share one etcd")
        {
            listen, etcd, slots, groupSlots, caFile, certFile, keyFile, username, password, trustedProxy, limitFleetLock, limitGroups, limitConnections, machineTrust,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(certFile) is null) != (result.GetResult(keyFile) is null))
            {
                result.AddError("--etcd-certfile and --etcd-keyfile go together");
            }

            if (result.GetResult(password) is not null && result.GetResult(username) is null)
            {
                result.AddError("--etcd-password needs --etcd-username");
            }
        });
        ServerTlsOptions.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            TryParseEndpoints(parse.GetValue(etcd), out var endpoints, out _);
            var overrides = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var text in parse.GetValue(groupSlots) ?? [])
            {
                FleetLockSlots.TryParseGroupSlots(text, out var group, out var count, out _);
                overrides[group] = count;
            }

            var options = new FleetLockServerOptions
            {
                Etcd = new EtcdSettings(endpoints)
                {
                    CaFile = parse.GetValue(caFile),
                    CertFile = parse.GetValue(certFile),
                    KeyFile = parse.GetValue(keyFile),
                    Username = parse.GetValue(username),
                    Password = parse.GetValue(password),
                },
                Slots = new FleetLockSlots(parse.GetValue(slots), overrides),
                MachineTrust = CliParsing.MachineTrust(parse.GetValue(machineTrust)),
                RequestsPerMinute = parse.GetValue(limitFleetLock),
                MaxGroups = parse.GetValue(limitGroups),
                MaxConnections = parse.GetValue(limitConnections),
            };
            CliParsing.AddTrustedProxies(parse, trustedProxy, options.TrustedProxies);

            options.Tls = ServerTlsOptions.Settings(parse);
            foreach (var address in ServerTlsOptions.Listen(parse, listen))
            {
                options.Listen.Add(address);
            }

            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = FleetLockServer.Build(options);
                await Listening.StartAsync(app, options.Listen, ct);
            }
            catch (Exception e) when (e is RebootLockException or IOException or InvalidOperationException or Keelson.Tls.TlsException)
            {
                throw new CliException($"the FleetLock server could not start: {e.Message}");
            }

            var output = parse.InvocationConfiguration.Output;
            foreach (var address in FleetLockServer.Addresses(app))
            {
                await output.WriteLineAsync($"keelson fleetlock listening on {address}");
            }

            await output.WriteLineAsync($"semaphores in etcd at {string.Join(',', endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)))} under {EtcdFleetLockStore.KeyPrefix}");
            await output.WriteLineAsync($"slots: {options.Slots.Default} per group"
                + string.Concat(options.Slots.Groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $", {g.Key}={g.Value}")));
            await output.FlushAsync(ct);

            // Until etcd answers, requests get 503 at once; a stop (Ctrl-C, SIGTERM) ends the wait like the serving.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
            try
            {
                var etcdAt = await FleetLockServer.WaitForEtcdAsync(app, stopping.Token);
                await output.WriteLineAsync($"serving: {etcdAt} answers");
                await output.FlushAsync(ct);
            }
            catch (RebootLockException e)
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                throw new CliException($"the FleetLock server could not start: {e.Message}");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await app.StopAsync(CancellationToken.None);
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
        }));
        return command;
    }

    private static bool TryParseEndpoints(string? text, out List<Uri> endpoints, out string error)
    {
        endpoints = [];
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                error = $"'{part}' is not an etcd client URL such as http://127.0.0.1:2379";
                return false;
            }

            endpoints.Add(uri);
        }

        error = endpoints.Count == 0 ? "names no endpoint; give etcd client URLs, e.g. http://127.0.0.1:2379" : "";
        return endpoints.Count > 0;
    }
}
