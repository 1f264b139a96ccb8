namespace Keelson.Payloads.Tests;

/// <summary>Records progress as it is reported (<see cref="Progress{T}"/> would post it elsewhere, later).</summary>
public sealed class SynchronousProgress(List<PayloadProgress> reports, Action<PayloadProgress>? onReport = null) : IProgress<PayloadProgress>
{
    public void Report(PayloadProgress value)
    {
        lock (reports)
        {
            reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
