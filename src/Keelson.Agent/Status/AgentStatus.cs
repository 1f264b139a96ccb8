using System.Globalization;
using System.Text;

namespace Keelson.Agent.Status;

/// <summary>
/// What <c>keelson agent status</c> prints, in update_engine_client's format (<c>LAST_CHECKED_TIME=</c>,
/// <c>PROGRESS=</c>, <c>CURRENT_OP=</c>, <c>NEW_VERSION=</c>, <c>NEW_SIZE=</c>), followed by Keelson's own lines
/// (each <c>KEELSON_</c>-prefixed so that scripts written for update_engine_client keep working).
/// </summary>
public sealed record AgentStatus(
    DateTimeOffset? LastChecked,
    double Progress,
    UpdateStatus CurrentOperation,
    string NewVersion,
    long NewSize,
    IReadOnlyList<KeyValuePair<string, string>> Details)
{
    public static AgentStatus Initial { get; } = new(null, 0, UpdateStatus.Idle, "0.0.0.0", 0, []);

    /// <summary>Detail: when the agent checks next (Unix seconds); empty unless it waits to check.</summary>
    public const string NextCheckDetail = "NEXT_CHECK";

    /// <summary>Detail: when the agent stopped (Unix seconds); empty while it runs.</summary>
    public const string StoppedDetail = "STOPPED";

    /// <summary>The details that hold a time, as Unix seconds.</summary>
    public static IReadOnlySet<string> TimeDetails { get; } = new HashSet<string>(StringComparer.Ordinal) { NextCheckDetail, StoppedDetail };

    /// <summary>A time detail's value; null when absent, empty or not a number of seconds.</summary>
    public DateTimeOffset? TimeDetail(string key) =>
        Details.FirstOrDefault(d => d.Key == key).Value is { Length: > 0 } text
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static string WireName(UpdateStatus status) => status switch
    {
        UpdateStatus.Idle => "UPDATE_STATUS_IDLE",
        UpdateStatus.CheckingForUpdate => "UPDATE_STATUS_CHECKING_FOR_UPDATE",
        UpdateStatus.UpdateAvailable => "UPDATE_STATUS_UPDATE_AVAILABLE",
        UpdateStatus.Downloading => "UPDATE_STATUS_DOWNLOADING",
        UpdateStatus.Verifying => "UPDATE_STATUS_VERIFYING",
        UpdateStatus.Finalizing => "UPDATE_STATUS_FINALIZING",
        UpdateStatus.UpdatedNeedReboot => "UPDATE_STATUS_UPDATED_NEED_REBOOT",
        UpdateStatus.ReportingErrorEvent => "UPDATE_STATUS_REPORTING_ERROR_EVENT",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public string Format()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"LAST_CHECKED_TIME={LastChecked?.ToUnixTimeSeconds() ?? 0}\n");
        text.Append(CultureInfo.InvariantCulture, $"PROGRESS={Progress:0.000000}\n");
        text.Append(CultureInfo.InvariantCulture, $"CURRENT_OP={WireName(CurrentOperation)}\n");
        text.Append(CultureInfo.InvariantCulture, $"NEW_VERSION={NewVersion}\n");
        text.Append(CultureInfo.InvariantCulture, $"NEW_SIZE={NewSize}\n");
        foreach (var (key, value) in Details)
        {
            text.Append(CultureInfo.InvariantCulture, $"KEELSON_{key}={value.ReplaceLineEndings(" ")}\n");
        }

        return text.ToString();
    }

    /// <summary>Reads <see cref="Format"/>'s output back; unknown lines are kept as details.</summary>
    public static AgentStatus Parse(string text)
    {
        var status = Initial;
        var details = new List<KeyValuePair<string, string>>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"status line '{line}' is not KEY=value");
            }

            var (key, value) = (line[..equals], line[(equals + 1)..]);
            status = key switch
            {
                "LAST_CHECKED_TIME" => status with
                {
                    LastChecked = long.Parse(value, CultureInfo.InvariantCulture) is var seconds and > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
                },
                "PROGRESS" => status with { Progress = double.Parse(value, CultureInfo.InvariantCulture) },
                "CURRENT_OP" => status with
                {
                    CurrentOperation = Enum.GetValues<UpdateStatus>().FirstOrDefault(s => WireName(s) == value, UpdateStatus.Idle),
                },
                "NEW_VERSION" => status with { NewVersion = value },
                "NEW_SIZE" => status with { NewSize = long.Parse(value, CultureInfo.InvariantCulture) },
                _ => status,
            };
            if (key.StartsWith("KEELSON_", StringComparison.Ordinal))
            {
                details.Add(new(key["KEELSON_".Length..], value));
            }
        }

        return status with { Details = details };
    }
}
