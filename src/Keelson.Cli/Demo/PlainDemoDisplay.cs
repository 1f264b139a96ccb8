using System.Globalization;

namespace Keelson.Cli.Demo;

/// <summary>
/// The story as plain lines, for output that is not a terminal (tests, CI, pipes): every step, every outcome, and
/// the fleet whenever it changes - at least one line every <see cref="s_heartbeat"/>, so a reader never waits in
/// silence. Lines carry the seconds since the demo started.
/// </summary>
internal sealed class PlainDemoDisplay : IDemoDisplay
{
    private const int MaxBusyShown = 6;
    private static readonly TimeSpan s_heartbeat = TimeSpan.FromSeconds(1.2);
    private static readonly TimeSpan s_fleetLineGap = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(250);

    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _heartbeat;
    private string _step = "";
    private long _stepStarted;
    private string _detail = "";
    private FleetView? _fleet;
    private string _lastFleetLine = "";
    private long _lastWrite;
    private long _lastFleetWrite;

    public PlainDemoDisplay(TextWriter output, TimeProvider time)
    {
        _output = output;
        _time = time;
        _started = _lastWrite = _stepStarted = time.GetTimestamp();
        _heartbeat = HeartbeatAsync();
    }

    public void Step(string title)
    {
        lock (_lock)
        {
            (_step, _detail, _stepStarted) = (title, "", _time.GetTimestamp());
            Write(Format(DemoLineKind.Step, title));
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
            Write(Format(kind, text));
        }
    }

    private static string Format(DemoLineKind kind, string text) => kind switch
    {
        DemoLineKind.Step => $"→ {text}",
        DemoLineKind.Done => $"✓ {text}",
        DemoLineKind.Bad => $"✗ {text}",
        DemoLineKind.Command => $"    {text}",
        DemoLineKind.Title => text,
        _ => $"  {text}",
    };

    public void Fleet(FleetView view)
    {
        lock (_lock)
        {
            _fleet = view;
            var line = FleetLine(view);
            if (line != _lastFleetLine && _time.GetElapsedTime(_lastFleetWrite) >= s_fleetLineGap)
            {
                WriteFleet(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task HeartbeatAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(s_tick, _time, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_lock)
            {
                if (_stop.IsCancellationRequested || _time.GetElapsedTime(_lastWrite) < s_heartbeat)
                {
                    continue;
                }

                if (_fleet is { } fleet)
                {
                    WriteFleet(FleetLine(fleet));
                }
                else
                {
                    var seconds = _time.GetElapsedTime(_stepStarted).TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
                    Write($"  {_step} ({seconds} s){(_detail.Length > 0 ? ": " + _detail : "")}");
                }
            }
        }
    }

    private static string FleetLine(FleetView view)
    {
        var busy = FleetText.Busy(view, MaxBusyShown);
        return FleetText.Groups(view) + (busy.Length > 0 ? " | " + busy : "");
    }

    private void WriteFleet(string line)
    {
        _lastFleetLine = line;
        _lastFleetWrite = _time.GetTimestamp();
        Write("  " + line);
    }

    private void Write(string text)
    {
        var seconds = _time.GetElapsedTime(_started).TotalSeconds;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{seconds,5:0.0}s] {text}"));
        _output.Flush();
        _lastWrite = _time.GetTimestamp();
    }
}
