using System.Runtime.InteropServices;
using Spectre.Console;

namespace Keelson.Cli.Demo;

/// <summary>
/// One run of <c>keelson demo</c>: the folder, the update service, the display and the story, and the clean-up
/// that follows however the run ends - the story told, a step that did not happen, or Ctrl-C.
/// </summary>
internal static class DemoSession
{
    /// <summary>How long the process may wait at exit for a clean-up still under way.</summary>
    private static readonly TimeSpan s_cleanUpAtExit = TimeSpan.FromSeconds(15);

    public static async Task RunAsync(DemoSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        // Ctrl-C, a closed terminal and SIGTERM end the demo, clean-up included. The demo catches them itself: the
        // embedded server's host takes SIGINT and SIGTERM to stop only itself, and the agents take SIGHUP to reload
        // their configuration, so left alone a demo would outlive its terminal.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        PosixSignalRegistration[] signals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal =>
            PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = stop.CancelAsync();
            }))];

        // Should anything return from Main before the clean-up is done, the process waits for it on its way out,
        // so that a temporary folder never stays behind.
        var cleanedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler waitForCleanUp = (_, _) => cleanedUp.Task.Wait(s_cleanUpAtExit);
        AppDomain.CurrentDomain.ProcessExit += waitForCleanUp;
        try
        {
            await RunAndCleanUpAsync(settings, output, TimeProvider.System, stop.Token);
        }
        finally
        {
            foreach (var signal in signals)
            {
                signal.Dispose();
            }

            cleanedUp.TrySetResult();
            AppDomain.CurrentDomain.ProcessExit -= waitForCleanUp;
        }
    }

    private static async Task RunAndCleanUpAsync(DemoSettings settings, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        using var workspace = DemoWorkspace.Create(settings.DataDirectory);
        using var log = new DemoLog(workspace.LogPath, time);
        await using var server = await DemoServer.StartAsync(workspace.Root, settings.Listen, log, time, cancellationToken);
        workspace.Keep();

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        IDemoDisplay display = LiveDemoDisplay.Supported(console) ? new LiveDemoDisplay(console, time) : new PlainDemoDisplay(output, time);
        var admin = new DemoOperator(AdminClient.Create(server.Url, server.Token));
        // Disposed before the server: the fleet keeps running while the dashboard is served.
        await using var story = new DemoStory(settings, workspace, server, admin, log, display, time);
        try
        {
            ShowServer(display, settings, workspace, server);
            await story.RunAsync(cancellationToken);
            display.Line(DemoLineKind.Title, settings.ExitWhenDone
                ? "Done (--exit-when-done)."
                : $"The update service and the fleet keep running: dashboard {server.Url} - press Ctrl-C to stop{(workspace.IsTemporary ? " (the temporary folder is removed)" : "")}.");
        }
        catch (CliException e) when (!cancellationToken.IsCancellationRequested && Directory.Exists(workspace.Machines))
        {
            // Once machines ran, what they and the server logged is where to look next.
            throw new CliException(workspace.IsTemporary
                ? $"{e.Message}. Run with --data DIR to keep the machines and demo.log (the server's and agents' log) for a look"
                : $"{e.Message}. The server's and agents' log: {log.Path}");
        }
        finally
        {
            // The live display ends before anything else is printed, the error included.
            await display.DisposeAsync();
        }

        if (!settings.ExitWhenDone)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                await output.WriteLineAsync(workspace.IsTemporary ? $"Stopping; removing {workspace.Root}." : $"Stopping; {workspace.Root} is kept.");
            }
            catch (IOException)
            {
                // The terminal is gone (the demo was hung up): the clean-up goes on without a word.
            }
        }
    }

    private static void ShowServer(IDemoProgress display, DemoSettings settings, DemoWorkspace workspace, DemoServer server)
    {
        display.Line(DemoLineKind.Title,
            $"Keelson demo: {settings.Machines} machines on disk images, releases through alpha, beta and stable, a bad one rolling back");
        display.Line(DemoLineKind.Done,
            $"Update service running in this process; SQLite and payloads in {workspace.Root}{(workspace.IsTemporary ? " (temporary)" : "")}");
        display.Line(DemoLineKind.Note, $"dashboard:   {server.Url}");
        display.Line(DemoLineKind.Note, $"admin token: {server.Token}");
        display.Line(DemoLineKind.Command, $"export KEELSON_SERVER={server.Url} KEELSON_TOKEN={server.Token}");
    }
}
