using System.CommandLine;
using System.Globalization;
using Keelson.Cli.Demo;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson demo</c>: the whole story on one machine - an update service, a fleet of simulated machines on disk
/// images, releases moving alpha -> beta -> stable with reboots taking turns, and a bad release rolling back.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var machines = new Option<int>("--machines")
        {
            Description = $"how many simulated machines, dealt round the groups alpha, beta and stable ({DemoSettings.MinMachines} to {DemoSettings.MaxMachines})",
            DefaultValueFactory = _ => 12,
        };
        machines.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var count and (< DemoSettings.MinMachines or > DemoSettings.MaxMachines))
            {
                result.AddError($"--machines {count} is outside {DemoSettings.MinMachines} .. {DemoSettings.MaxMachines}");
            }
        });
        var speed = new Option<double>("--speed")
        {
            Description = "how fast the story runs: 2 makes the machines check in and reboot twice as fast, and gives each step half as long",
            DefaultValueFactory = _ => 1,
        };
        speed.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var value && !(value >= DemoSettings.MinSpeed && value <= DemoSettings.MaxSpeed))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture,
                    $"--speed {value} is outside {DemoSettings.MinSpeed} .. {DemoSettings.MaxSpeed}"));
            }
        });
        var data = new Option<string>("--data")
        {
            Description = "a new or empty folder for the server's database, the releases and the machines, kept afterwards (default: a temporary folder, removed at the end)",
        };
        var listen = CliParsing.ListenOption("http://127.0.0.1:8080");
        var exitWhenDone = new Option<bool>("--exit-when-done") { Description = "end once the story is told, instead of serving the dashboard until Ctrl-C" };

        var command = new Command("demo", "the whole story on this machine: an update service, simulated machines on disk images, releases promoted alpha -> beta -> stable, reboots in turns, a bad release rolling back")
        {
            machines, speed, data, listen, exitWhenDone,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(() => DemoSession.RunAsync(
            new DemoSettings(
                parse.GetValue(machines),
                parse.GetValue(speed),
                parse.GetValue(data),
                [.. parse.GetValue(listen)!.Select(url => new Uri(url))],
                parse.GetValue(exitWhenDone)),
            parse.InvocationConfiguration.Output,
            ct)));
        return command;
    }
}
