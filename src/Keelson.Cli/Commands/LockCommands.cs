using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Keelson.Cli.Help;
using Keelson.Coordination.Etcd;
using Keelson.Coordination.Locks;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson lock status | lock [ID] | unlock [ID] | set-max N</c>: locksmithctl's commands on locksmith's reboot
/// semaphore in etcd, with its output line for line and its errors' first words. The etcd flags take locksmithctl's
/// spellings too and also come from its environment variables (<c>LOCKSMITHCTL_ENDPOINT</c>, <c>LOCKSMITHCTL_GROUP</c>,
/// <c>LOCKSMITHCTL_ETCD_CAFILE</c>...); <see cref="Locksmithctl"/> holds that table.
/// </summary>
internal static class LockCommands
{
    private const string MachineIdFile = "/etc/machine-id";
    private const string DefaultEndpoint = "http://127.0.0.1:2379";

    // Defaults from the environment are read when the command runs, not as the options' default values, which
    // --help would print (a password among them).
    // Repeatable, as locksmithctl's -endpoint is: every occurrence adds its URLs.
    private static readonly Option<string[]> s_endpoints = new("--endpoints")
    {
        Description = $"etcd client URLs, comma-separated or repeated (default: ${Locksmithctl.Variable("--endpoints")}, else {DefaultEndpoint})",
        HelpName = "URL[,URL...]",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
        Validators = { ValidateEndpoints },
    };

    private static readonly Dictionary<Option, string> s_variables = [];

    /// <summary>
    /// Each option's twin that takes locksmithctl's spellings (<see cref="Locksmithctl"/>): hidden, so that --help shows
    /// Keelson's names (as aliases, System.CommandLine's help would print -group for --group).
    /// </summary>
    private static readonly Dictionary<Option, Option> s_twins = new() { [s_endpoints] = Twin(s_endpoints) };

    private static readonly Option<string?> s_group = EnvOption("--group", "locksmith group: a semaphore of its own", otherwise: "the cluster-wide one");
    private static readonly Option<string?> s_caFile = EnvOption("--etcd-cafile", "PEM file of the CA that signed etcd's certificates (https endpoints)");
    private static readonly Option<string?> s_certFile = EnvOption("--etcd-certfile", "PEM client certificate to show etcd (with --etcd-keyfile)");
    private static readonly Option<string?> s_keyFile = EnvOption("--etcd-keyfile", "PEM private key of --etcd-certfile");
    private static readonly Option<string?> s_username = EnvOption("--etcd-username", "etcd user, when etcd has authentication enabled");
    private static readonly Option<string?> s_password = EnvOption("--etcd-password", "password of --etcd-username (better given as $LOCKSMITHCTL_ETCD_PASSWORD)");

    public static Command Create()
    {
        var command = new Command("lock", "locksmith's reboot semaphore in etcd (locksmithctl's commands)");
        foreach (var option in new Option[] { s_endpoints, s_group, s_caFile, s_certFile, s_keyFile, s_username, s_password })
        {
            command.Options.Add(option);
            command.Options.Add(s_twins[option]);
        }

        command.Subcommands.Add(Status());
        command.Subcommands.Add(Unlock());
        command.Subcommands.Add(SetMax());
        AddLock(command);
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "print the free slots, the maximum and the machines holding a slot");
        // locksmithctl words a failed status as a failed set-max; a script cannot rely on that, so Keelson's own words stand.
        command.SetAction((parse, ct) => CommandRunner.RunAsync(() => WithSemaphoreAsync(parse, failed: null, async (semaphore, output) =>
            await output.WriteAsync(LocksmithFormat.Status(await semaphore.GetAsync(ct))))));
        return command;
    }

    /// <summary>
    /// <c>keelson lock lock [ID]</c>. System.CommandLine cannot have a subcommand named as its parent, so this verb
    /// is the parent's first argument: any other word there is a usage error, as an unknown command would be.
    /// </summary>
    private static void AddLock(Command command)
    {
        var verb = new Argument<string?>("lock")
        {
            Arity = ArgumentArity.ZeroOrOne,
            // Described in the command's description: shown here, it would clutter the usage line of every subcommand.
            Hidden = true,
        };
        var id = IdArgument();
        id.Hidden = true;
        command.Arguments.Add(verb);
        command.Arguments.Add(id);
        HelpWithExamples.AddCommandRow(command, "lock [ID]", "take a slot for this machine or the machine ID; refused when none is free or ID holds one");
        command.Validators.Add(result =>
        {
            if (UnknownFlag(command, result.GetValue(verb)) is { } error)
            {
                result.AddError(error);
                return;
            }

            if (result.GetValue(verb) is not "lock")
            {
                result.AddError(result.GetValue(verb) is { } word
                    ? $"'{word}' is not a keelson lock command" + Suggestions.DidYouMean(word, ["lock", .. command.Subcommands.Select(c => c.Name)])
                    : "'keelson lock' needs a command: status, lock [ID], unlock [ID] or set-max N");
            }
        });
        // A locksmithctl flag Keelson has no option for (-debug, a typo) lands in the verb; the command's validator does
        // not run when a subcommand follows, so each subcommand refuses it too.
        foreach (var subcommand in command.Subcommands)
        {
            subcommand.Validators.Add(result =>
            {
                if (result.Parent is CommandResult parent && UnknownFlag(command, parent.GetValue(verb)) is { } error)
                {
                    result.AddError(error);
                }
            });
        }

        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var machine = MachineId(parse.GetValue(id));
            await WithSemaphoreAsync(parse, Locksmithctl.LockFailed, async (semaphore, output) =>
            {
                var change = await semaphore.TryLockAsync(machine, ct);
                if (!change.IsDone)
                {
                    var why = change.Outcome == SemaphoreOutcome.AtZero
                        ? $"{machine} gets no slot: {EtcdSemaphore.DescribeFull(change.State)}"
                        : $"{machine} already holds a slot";
                    throw new CliException(Locksmithctl.Error(Locksmithctl.LockFailed, $"{LocksmithFormat.Refusal(change)} ({why})"));
                }

                // locksmithctl says nothing on success; a person should see what changed.
                await output.WriteLineAsync($"locked: {machine} holds a slot of {GroupName(semaphore)} ({EtcdSemaphore.DescribeHeld(change.State)})");
            });
        }));
    }

    /// <summary>The error for a word in the verb's place that is a flag <c>keelson lock</c> does not know; null for any other word.</summary>
    private static string? UnknownFlag(Command command, string? word) =>
        word is { Length: > 1 } && word[0] == '-'
            ? $"'{word}' is not an option of 'keelson lock'" + Suggestions.DidYouMean(word, command.Options
                .SelectMany(o => o.Aliases.Prepend(o.Name))
                // Suggested as typed: locksmithctl's one-dash spelling for a one-dash word, Keelson's for a two-dash one.
                .Where(name => name.StartsWith("--", StringComparison.Ordinal) == word.StartsWith("--", StringComparison.Ordinal)))
            : null;

    private static Command Unlock()
    {
        var id = IdArgument();
        var command = new Command("unlock", "release the slot of this machine or of the machine ID; refused when it holds none") { id };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var machine = MachineId(parse.GetValue(id));
            await WithSemaphoreAsync(parse, Locksmithctl.UnlockFailed, async (semaphore, output) =>
            {
                var change = await semaphore.TryUnlockAsync(machine, ct);
                if (!change.IsDone)
                {
                    throw new CliException(Locksmithctl.Error(Locksmithctl.UnlockFailed, $"{LocksmithFormat.Refusal(change)} ({machine} holds no slot)"));
                }

                await output.WriteLineAsync($"unlocked: {machine} released its slot of {GroupName(semaphore)} ({EtcdSemaphore.DescribeHeld(change.State)})");
            });
        }));
        return command;
    }

    private static Command SetMax()
    {
        var max = new Argument<string>("N") { Description = "how many machines may hold a slot at once (0 or more)" };
        max.Validators.Add(result =>
        {
            if (!TryParseMax(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError(Locksmithctl.Error(Locksmithctl.InvalidMax,
                    $"{result.GetValueOrDefault<string>()} (set-max takes a number of slots: a whole number, 0 or more)"));
            }
        });
        var command = new Command("set-max", "set how many machines may reboot at once; machines holding a slot keep it") { max };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(() => WithSemaphoreAsync(parse, Locksmithctl.SetMaxFailed, async (semaphore, output) =>
        {
            TryParseMax(parse.GetValue(max), out var slots);
            var (oldMax, newMax) = await semaphore.SetMaxAsync(slots, ct);
            await output.WriteAsync(LocksmithFormat.SetMax(oldMax, newMax));
        })));
        return command;
    }

    private static string GroupName(EtcdSemaphore semaphore) =>
        semaphore.Group.Length == 0 ? "the default group" : $"group '{semaphore.Group}'";

    private static Argument<string?> IdArgument()
    {
        var id = new Argument<string?>("ID") { Description = "machine id (default: this machine's, from " + MachineIdFile + ")", Arity = ArgumentArity.ZeroOrOne };
        id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && string.IsNullOrWhiteSpace(value))
            {
                result.AddError("ID must not be empty");
            }
        });
        return id;
    }

    /// <summary>
    /// Connects as the flags say, runs <paramref name="work"/> on the group's semaphore and turns etcd's failures into
    /// exit 1, their message after locksmithctl's words for the command (<paramref name="failed"/>) when it has some.
    /// </summary>
    private static async Task WithSemaphoreAsync(ParseResult parse, string? failed, Func<EtcdSemaphore, TextWriter, Task> work)
    {
        EtcdConnection connection;
        try
        {
            connection = EtcdConnection.Create(Settings(parse));
        }
        catch (RebootLockException e)
        {
            throw new CliException(Locksmithctl.Error(Locksmithctl.ClientFailed, e.Message));
        }

        using (connection)
        {
            var semaphore = new EtcdSemaphore(connection, Group(parse));
            var output = parse.InvocationConfiguration.Output;
            try
            {
                await work(semaphore, output);
            }
            catch (RebootLockException e)
            {
                throw new CliException(failed is null ? e.Message : Locksmithctl.Error(failed, e.Message));
            }

            await output.FlushAsync();
        }
    }

    /// <summary>The locksmith group the flags or $LOCKSMITHCTL_GROUP name; empty for the cluster-wide semaphore.</summary>
    internal static string Group(ParseResult parse) => Value(parse, s_group) ?? "";

    /// <summary>How to reach etcd, from the flags in Keelson's or locksmithctl's spelling, else locksmithctl's variables.</summary>
    internal static EtcdSettings Settings(ParseResult parse)
    {
        var given = Endpoints([.. parse.GetValue(s_endpoints) ?? [], .. parse.GetValue((Option<string[]>)s_twins[s_endpoints]) ?? []]);
        var text = given ?? Environment(Locksmithctl.Variable("--endpoints")) ?? DefaultEndpoint;
        if (!TryParseEndpoints(text, out var endpoints, out var error))
        {
            throw new CliException(given is null ? $"${Locksmithctl.Variable("--endpoints")}: {error}" : error);
        }

        return new EtcdSettings(endpoints)
        {
            CaFile = Value(parse, s_caFile),
            CertFile = Value(parse, s_certFile),
            KeyFile = Value(parse, s_keyFile),
            Username = Value(parse, s_username),
            Password = Value(parse, s_password),
        };
    }

    /// <summary>The option's value in Keelson's spelling, else in locksmithctl's, else its $LOCKSMITHCTL_ variable's.</summary>
    private static string? Value(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { Length: > 0 } value ? value
        : parse.GetValue((Option<string?>)s_twins[option]) is { Length: > 0 } twin ? twin
        : Environment(s_variables[option]);

    /// <summary>The ID given, else this machine's id as locksmith reads it: /etc/machine-id, trimmed.</summary>
    private static string MachineId(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        string text;
        try
        {
            text = File.ReadAllText(MachineIdFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(Locksmithctl.Error(Locksmithctl.NoMachineId, $"cannot read {MachineIdFile} ({e.Message}); give the machine id as the ID argument"));
        }

        return text.Length > 0
            ? text
            : throw new CliException(Locksmithctl.Error(Locksmithctl.NoMachineId, $"{MachineIdFile} is empty; give the machine id as the ID argument"));
    }

    /// <summary>The hidden option that takes locksmithctl's spellings of <paramref name="option"/>, with its arity and checks.</summary>
    private static Option Twin<T>(Option<T> option)
    {
        var aliases = Locksmithctl.Aliases(option.Name);
        var twin = new Option<T>(aliases[0], aliases[1..])
        {
            Hidden = true,
            Recursive = true,
            Arity = option.Arity,
            AllowMultipleArgumentsPerToken = option.AllowMultipleArgumentsPerToken,
        };
        foreach (var validator in option.Validators)
        {
            twin.Validators.Add(validator);
        }

        return twin;
    }

    private static void ValidateEndpoints(OptionResult result)
    {
        if (!TryParseEndpoints(Endpoints(result.GetValueOrDefault<string[]>()), out _, out var error))
        {
            result.AddError(error);
        }
    }

    /// <summary>Every occurrence of the endpoints option as one comma-separated list; null when it was not given.</summary>
    private static string? Endpoints(string[]? occurrences) => occurrences is { Length: > 0 } ? string.Join(',', occurrences) : null;

    private static bool TryParseEndpoints(string? text, out List<Uri> endpoints, out string error)
    {
        endpoints = [];
        error = "";
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                error = $"--endpoints '{part}' is not an etcd client URL such as http://127.0.0.1:2379";
                return false;
            }

            endpoints.Add(uri);
        }

        if (endpoints.Count == 0)
        {
            error = "--endpoints is empty: give at least one etcd client URL such as http://127.0.0.1:2379";
            return false;
        }

        return true;
    }

    private static bool TryParseMax(string? text, out int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max);

    private static Option<string?> EnvOption(string name, string description, string? otherwise = null)
    {
        var variable = Locksmithctl.Variable(name);
        var option = new Option<string?>(name)
        {
            Description = $"{description} (default: ${variable}{(otherwise is null ? "" : ", else " + otherwise)})",
            Recursive = true,
        };
        s_variables.Add(option, variable);
        s_twins.Add(option, Twin(option));
        return option;
    }

    /// <summary>The environment variable <paramref name="name"/>, as locksmithctl reads its flags from it; null when unset or empty.</summary>
    private static string? Environment(string name) =>
        System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
