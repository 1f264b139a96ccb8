using System.Globalization;
using System.Text;

namespace Keelson.Coordination;

/// <summary>Durations as CoreOS tools write them (Go's notation): <c>1h30m</c>, <c>45m</c>, <c>90s</c>, <c>2h</c>.</summary>
public static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span is "0")
        {
            return true;
        }

        long totalMs = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && char.IsAsciiDigit(span[digits]))
            {
                digits++;
            }

            if (digits == 0 || !long.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            span = span[digits..];
            long unitMs;
            if (span.StartsWith("ms"))
            {
                unitMs = 1;
                span = span[2..];
            }
            else if (!span.IsEmpty && (unitMs = span[0] switch { 'd' => 86_400_000, 'h' => 3_600_000, 'm' => 60_000, 's' => 1_000, _ => 0 }) != 0)
            {
                span = span[1..];
            }
            else
            {
                return false;
            }

            try
            {
                totalMs = checked(totalMs + checked(amount * unitMs));
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        if (totalMs > (long)TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0";
        }

        var builder = new StringBuilder();
        var hours = (long)duration.TotalHours;
        if (hours > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (duration.Minutes > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m");
        }

        if (duration.Seconds > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{duration.Seconds}s");
        }

        if (duration.Milliseconds > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{duration.Milliseconds}ms");
        }

        return builder.ToString();
    }
}
