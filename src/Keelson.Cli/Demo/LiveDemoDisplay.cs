using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Keelson.Cli.Demo;

/// <summary>
/// The story in a terminal: lines that stay scroll above a live area that shows the current step with a spinner
/// and its seconds, a progress bar per group (machines on the group's version / machines in the group), who holds
/// the reboot slots, and what the busy machines are doing. One loop owns the console: the story only queues.
/// </summary>
internal sealed class LiveDemoDisplay : IDemoDisplay
{
    private const int BarWidth = 24;
    private const int MaxBusyShown = 8;
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    private readonly IAnsiConsole _console;
    private readonly TimeProvider _time;
    private readonly Spinner _spinner;
    private readonly Lock _lock = new();
    private readonly Queue<(DemoLineKind Kind, string Text)> _lines = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _step = "";
    private long _stepStarted;
    private string _detail = "";
    private FleetView? _fleet;

    public LiveDemoDisplay(IAnsiConsole console, TimeProvider time)
    {
        _console = console;
        _time = time;
        _stepStarted = time.GetTimestamp();
        _spinner = console.Profile.Capabilities.Unicode ? Spinner.Known.Dots : Spinner.Known.Ascii;
        _loop = console.Live(Text.Empty).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).StartAsync(RunAsync);
    }

    /// <summary>Whether the console can show a live display: a terminal that takes ANSI and is interactive.</summary>
    public static bool Supported(IAnsiConsole console) =>
        console.Profile.Out.IsTerminal && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive;

    public void Step(string title)
    {
        lock (_lock)
        {
            (_step, _detail, _stepStarted) = (title, "", _time.GetTimestamp());
            // Also a heading in the scrollback, so that what stays on screen reads as the story.
            _lines.Enqueue((DemoLineKind.Step, title));
        }
    }

    public void Detail(string text)
    {
        lock (_lock)
        {
            _detail = text;
        }
    }

    public void Line(DemoLineKind kind, string text)
    {
        lock (_lock)
        {
            _lines.Enqueue((kind, text));
        }
    }

    public void Fleet(FleetView view)
    {
        lock (_lock)
        {
            _fleet = view;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync(LiveDisplayContext context)
    {
        while (true)
        {
            var stopping = _stop.IsCancellationRequested;
            // Lines are written through the live display's console, which prints them above the live area.
            foreach (var (kind, text) in TakeLines())
            {
                _console.Write(Render(kind, text));
            }

            if (stopping)
            {
                return;
            }

            context.UpdateTarget(RenderLive());
            await Task.Delay(s_refresh, _time, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private List<(DemoLineKind, string)> TakeLines()
    {
        lock (_lock)
        {
            var lines = _lines.ToList();
            _lines.Clear();
            return lines;
        }
    }

    private static IRenderable Render(DemoLineKind kind, string text)
    {
        if (kind == DemoLineKind.Command)
        {
            return new UnwrappedLine("    " + text, new Style(Color.Aqua));
        }

        var escaped = Markup.Escape(text);
        var markup = kind switch
        {
            DemoLineKind.Step => $"[yellow]→[/] [bold]{escaped}[/]",
            DemoLineKind.Done => $"[green]✓[/] {escaped}",
            DemoLineKind.Bad => $"[red]✗ {escaped}[/]",
            DemoLineKind.Title => $"[bold]{escaped}[/]",
            _ => $"  [grey]{escaped}[/]",
        };
        // Padded to the console's width: a line printed where the live area was must cover all of it.
        return new Padder(new Markup(markup), new Padding(0, 0, 0, 0)) { Expand = true };
    }

    private IRenderable RenderLive()
    {
        string step, detail;
        long started;
        FleetView? fleet;
        lock (_lock)
        {
            (step, detail, started, fleet) = (_step, _detail, _stepStarted, _fleet);
        }

        var elapsed = _time.GetElapsedTime(started);
        var frames = _spinner.Frames;
        var frame = frames[(int)(elapsed.Ticks / _spinner.Interval.Ticks % frames.Count)];
        var rows = new List<IRenderable>
        {
            new Text(""),
            new Markup($"[yellow]{Markup.Escape(frame)}[/] [bold]{Markup.Escape(step)}[/] [grey]{elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s[/]"),
        };
        if (detail.Length > 0)
        {
            rows.Add(new Markup($"  [grey]{Markup.Escape(detail)}[/]"));
        }

        if (fleet is not null)
        {
            rows.Add(Groups(fleet));
            foreach (var machine in fleet.Busy.Take(MaxBusyShown))
            {
                rows.Add(new Markup($"  [blue]{Markup.Escape(machine.Name),-10}[/] {Markup.Escape(machine.What)}"));
            }

            if (fleet.Busy.Count > MaxBusyShown)
            {
                rows.Add(new Markup($"  [grey]and {fleet.Busy.Count - MaxBusyShown} more busy[/]"));
            }
        }

        return new Rows(rows);
    }

    private Grid Groups(FleetView fleet)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn { Padding = new Padding(2, 0, 2, 0) });
        for (var i = 0; i < 4; i++)
        {
            grid.AddColumn(new GridColumn { Padding = new Padding(0, 0, 2, 0) });
        }

        grid.AddRow(new Markup("[grey]group[/]"), new Markup("[grey]channel[/]"), new Markup("[grey]machines on it[/]"), new Text(""), new Markup("[grey]reboot slots[/]"));
        foreach (var group in fleet.Groups)
        {
            var color = group.HaltedBecause is not null ? "red" : group.OnVersion >= group.Machines ? "green" : "yellow";
            var slots = group.HaltedBecause is not null
                ? $"[red]halted[/] {Slots(group)}"
                : Slots(group);
            grid.AddRow(
                new Markup($"[bold]{Markup.Escape(group.Name)}[/]"),
                new Text(group.Version ?? "-"),
                new Markup(Bar(group.OnVersion, group.Machines, color)),
                new Text(string.Create(CultureInfo.InvariantCulture, $"{group.OnVersion}/{group.Machines}")),
                new Markup(slots));
        }

        return grid;
    }

    private static string Slots(GroupProgress group)
    {
        var held = string.Create(CultureInfo.InvariantCulture, $"{group.SlotHolders.Count}/{group.Slots}");
        return group.SlotHolders.Count == 0 ? $"[grey]{held}[/]" : $"{held} [blue]{Markup.Escape(string.Join(", ", group.SlotHolders))}[/]";
    }

    private string Bar(int done, int total, string color)
    {
        var filled = total == 0 ? 0 : Math.Clamp((int)Math.Round((double)BarWidth * done / total), 0, BarWidth);
        var (full, empty) = _console.Profile.Capabilities.Unicode ? ('━', '━') : ('#', '-');
        return $"[{color}]{new string(full, filled)}[/][grey23]{new string(empty, BarWidth - filled)}[/]";
    }
}
