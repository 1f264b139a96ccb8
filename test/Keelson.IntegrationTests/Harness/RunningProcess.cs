using System.Diagnostics;
using System.Text;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// A process started by <see cref="ProcessRunner.Start"/>. Its output is collected as it is printed, so a test
/// can wait for a line with a deadline. Disposing kills it (SIGKILL, whole tree) if it still runs.
/// </summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _stdoutLines = [];
    private readonly List<LineWaiter> _waiters = [];
    private readonly Task _pumps;
    private bool _stdoutClosed;
    private int? _exitCode;

    internal RunningProcess(ProcessStartInfo start)
    {
        CommandLine = string.Join(' ', new[] { start.FileName }.Concat(start.ArgumentList).Select(Quote));
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {CommandLine}");
        _process.StandardInput.Close();
        _pumps = Task.WhenAll(
            PumpAsync(_process.StandardOutput, _stdout, isStdout: true),
            PumpAsync(_process.StandardError, _stderr, isStdout: false));
    }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _exitCode is not null || _process.HasExited;

    public string StandardOutput
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// The first stdout line (already printed or still to come) that <paramref name="match"/> accepts. Fails when
    /// the process closes its output first or the deadline passes, with what it printed in the message.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        LineWaiter waiter;
        lock (_lock)
        {
            if (_stdoutLines.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }

            if (_stdoutClosed)
            {
                throw new InvalidOperationException($"the process ended without printing the expected line:\n{Describe()}");
            }

            waiter = new LineWaiter(match);
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Line.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no expected line after {timeout.TotalSeconds:0}s:\n{Describe()}");
        }
        catch (InvalidOperationException)
        {
            // Its output closed: let stderr, which says why, be read to the end.
            await WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            throw new InvalidOperationException($"the process ended without printing the expected line:\n{Describe()}");
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Waits until the process has exited and its output is read; false when the deadline passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await Task.WhenAll(_process.WaitForExitAsync(cancellationToken), _pumps).WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills the process and its children with SIGKILL (no chance to clean up) and waits until it is gone.</summary>
    public void Kill()
    {
        if (_exitCode is not null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }

        _process.WaitForExit();
    }

    /// <summary>The outcome of an exited process.</summary>
    public ProcessResult Result()
    {
        if (!HasExited)
        {
            throw new InvalidOperationException($"{CommandLine} is still running");
        }

        return new ProcessResult(CommandLine, _exitCode ?? _process.ExitCode, StandardOutput, StandardError, _clock.Elapsed);
    }

    /// <summary>The command and what it printed so far, for failure messages.</summary>
    public string Describe()
    {
        var state = HasExited ? $"exit {_exitCode ?? _process.ExitCode}" : "running";
        return $"$ {CommandLine}\n({state} after {_clock.Elapsed.TotalSeconds:0.0}s)\n--- stdout ---\n{StandardOutput}--- stderr ---\n{StandardError}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_exitCode is not null)
        {
            return;
        }

        Kill();
        // The pipes close with the process; their readers finish on their own.
        await _pumps.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _exitCode = _process.ExitCode;
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder text, bool isStdout)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_lock)
                {
                    text.Append(line).Append('\n');
                    if (isStdout)
                    {
                        _stdoutLines.Add(line);
                        foreach (var waiter in _waiters.Where(w => w.Match(line)))
                        {
                            waiter.Line.TrySetResult(line);
                        }
                    }
                }
            }
        }
        finally
        {
            if (isStdout)
            {
                lock (_lock)
                {
                    _stdoutClosed = true;
                    foreach (var waiter in _waiters)
                    {
                        waiter.Line.TrySetException(new InvalidOperationException("the process closed its output"));
                    }
                }
            }
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private sealed record LineWaiter(Func<string, bool> Match)
    {
        public TaskCompletionSource<string> Line { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
