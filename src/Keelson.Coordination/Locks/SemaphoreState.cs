using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keelson.Coordination.Locks;

/// <summary>
/// locksmith's reboot semaphore, the value of its etcd key: <c>{"semaphore":1,"max":1,"holders":["id",...]}</c>.
/// <c>semaphore</c> counts the free slots (negative when the maximum was lowered below the number of holders),
/// <c>max</c> is the number of slots and <c>holders</c> the machine ids holding one, kept sorted. Changes are pure:
/// each returns a new state, or the reason locksmith would refuse it. The JSON is read strictly and written byte for
/// byte as locksmith (Go's encoding/json) writes it, including <c>"holders":null</c> for the semaphore as created
/// and <c>"holders":[]</c> once the last holder has left.
/// </summary>
public sealed partial class SemaphoreState : IEquatable<SemaphoreState>
{
    // Null is Go's nil slice (written "null"); empty is an emptied slice (written "[]"). Sorted by UTF-8 bytes, as Go sorts.
    private readonly string[]? _holders;

    private SemaphoreState(int available, int max, string[]? holders)
    {
        Available = available;
        Max = max;
        _holders = holders;
    }

    /// <summary>The semaphore locksmith creates when its key is absent: one slot, free, no holders (<c>"holders":null</c>).</summary>
    public static SemaphoreState Initial { get; } = new(1, 1, null);

    /// <summary>Free slots: locksmith's <c>semaphore</c>. A lock needs it above zero.</summary>
    public int Available { get; }

    /// <summary>Number of slots: locksmith's <c>max</c>.</summary>
    public int Max { get; }

    /// <summary>The machine ids holding a slot, sorted as locksmith sorts them (by their UTF-8 bytes).</summary>
    public IReadOnlyList<string> Holders => _holders ?? [];

    public bool IsHeldBy(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _holders is not null && Array.BinarySearch(_holders, id, Utf8Order.Instance) >= 0;
    }

    /// <summary>
    /// Takes a slot for <paramref name="id"/>: refused with <see cref="SemaphoreOutcome.AtZero"/> when no slot is free
    /// (checked first, as locksmith does) and <see cref="SemaphoreOutcome.AlreadyHeld"/> when it holds one.
    /// </summary>
    public SemaphoreChange Lock(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Available <= 0)
        {
            return new SemaphoreChange(SemaphoreOutcome.AtZero, this);
        }

        var holders = _holders ?? [];
        var index = Array.BinarySearch(holders, id, Utf8Order.Instance);
        if (index >= 0)
        {
            return new SemaphoreChange(SemaphoreOutcome.AlreadyHeld, this);
        }

        index = ~index;
        string[] added = [.. holders.AsSpan(0, index), id, .. holders.AsSpan(index)];
        return new SemaphoreChange(SemaphoreOutcome.Done, new SemaphoreState(Available - 1, Max, added));
    }

    /// <summary>Releases <paramref name="id"/>'s slot; refused with <see cref="SemaphoreOutcome.NotHeld"/> when it holds none.</summary>
    public SemaphoreChange Unlock(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var index = _holders is null ? -1 : Array.BinarySearch(_holders, id, Utf8Order.Instance);
        if (index < 0)
        {
            return new SemaphoreChange(SemaphoreOutcome.NotHeld, this);
        }

        string[] removed = [.. _holders.AsSpan(0, index), .. _holders.AsSpan(index + 1)];
        return new SemaphoreChange(SemaphoreOutcome.Done, new SemaphoreState(checked(Available + 1), Max, removed));
    }

    /// <summary>
    /// Sets the number of slots, moving the free count by the same amount as locksmith does: lowering the maximum
    /// below the number of holders takes no slot away, it leaves the free count negative until enough are released.
    /// </summary>
    public SemaphoreState SetMax(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var available = (long)Available + max - Max;
        return available is < int.MinValue or > int.MaxValue
            ? throw new ArgumentOutOfRangeException(nameof(max), max, $"a maximum of {max} would take the free count past what locksmith can store")
            : new SemaphoreState((int)available, max, _holders);
    }

    /// <summary>Reads the JSON of locksmith's etcd key.</summary>
    /// <exception cref="FormatException">It is not the semaphore's JSON; the message says what is wrong and where.</exception>
    public static SemaphoreState Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new FormatException("not locksmith's semaphore JSON: the value is empty");
        }

        Document? document;
        try
        {
            document = JsonSerializer.Deserialize(utf8Json, SemaphoreJson.Default.Document);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not locksmith's semaphore JSON: {Explain(e)}", e);
        }

        if (document is null)
        {
            throw new FormatException("not locksmith's semaphore JSON: the value is null, not an object");
        }

        if (document.Unknown is { Count: > 0 } unknown)
        {
            throw new FormatException($"not locksmith's semaphore JSON: unknown property '{unknown.Keys.First()}' (expected semaphore, max and holders)");
        }

        if (document.Semaphore is not { } available || document.Max is not { } max)
        {
            throw new FormatException($"not locksmith's semaphore JSON: \"{(document.Semaphore is null ? "semaphore" : "max")}\" is missing");
        }

        if (max < 0)
        {
            throw new FormatException($"not locksmith's semaphore JSON: \"max\" is {max}, below zero");
        }

        string[]? holders = null;
        if (document.Holders is { } listed)
        {
            holders = new string[listed.Length];
            for (var i = 0; i < listed.Length; i++)
            {
                holders[i] = listed[i] ?? throw new FormatException($"not locksmith's semaphore JSON: holder {i + 1} is null, not a machine id");
            }

            // locksmith keeps them sorted; a value written by hand may not be.
            Array.Sort(holders, Utf8Order.Instance);
            for (var i = 1; i < holders.Length; i++)
            {
                if (holders[i] == holders[i - 1])
                {
                    throw new FormatException($"not locksmith's semaphore JSON: holder '{holders[i]}' is listed twice");
                }
            }
        }

        return new SemaphoreState(available, max, holders);
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static SemaphoreState Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The JSON as locksmith writes it (Go's encoding/json: no spaces, HTML characters escaped, other text as UTF-8).</summary>
    public byte[] ToUtf8Json() => Encoding.UTF8.GetBytes(ToString());

    /// <summary>The JSON as locksmith writes it; see <see cref="ToUtf8Json"/>.</summary>
    public override string ToString()
    {
        var json = new StringBuilder("{\"semaphore\":")
            .Append(Available.ToString(CultureInfo.InvariantCulture))
            .Append(",\"max\":")
            .Append(Max.ToString(CultureInfo.InvariantCulture))
            .Append(",\"holders\":");
        if (_holders is null)
        {
            json.Append("null");
        }
        else
        {
            json.Append('[');
            for (var i = 0; i < _holders.Length; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                AppendGoString(json, _holders[i]);
            }

            json.Append(']');
        }

        return json.Append('}').ToString();
    }

    public bool Equals(SemaphoreState? other) =>
        other is not null
        && Available == other.Available
        && Max == other.Max
        && (_holders is null) == (other._holders is null)
        && Holders.SequenceEqual(other.Holders, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as SemaphoreState);

    public override int GetHashCode() => HashCode.Combine(Available, Max, Holders.Count);

    /// <summary>A string as Go's encoding/json writes it (since Go 1.22, which writes \b and \f short).</summary>
    private static void AppendGoString(StringBuilder json, string text)
    {
        json.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                case < ' ' or '<' or '>' or '&' or '\u2028' or '\u2029':
                    // Go escapes the HTML-significant characters and the JavaScript line separators, in lowercase hex.
                    json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        json.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Not encodable as UTF-8: Go writes the replacement character for such bytes.
                        json.Append("\\ufffd");
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        json.Append('"');
    }

    private static string Explain(JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
        var message = e.Message;
        var location = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (location >= 0)
        {
            message = message[..location];
        }

        if (message.StartsWith("Duplicate", StringComparison.Ordinal))
        {
            return $"{path} is given twice";
        }

        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            var expected = path switch
            {
                "$" => "an object",
                "$.semaphore" or "$.max" => "a whole number",
                "$.holders" => "an array of machine ids or null",
                _ when path.StartsWith("$.holders[", StringComparison.Ordinal) => "a string",
                _ => "valid",
            };
            return $"{path} is not {expected}";
        }

        return e.BytePositionInLine is { } position
            ? $"{message} (at {path}, line {e.LineNumber + 1}, byte {position + 1})"
            : $"{message} (at {path})";
    }

    /// <summary>What the JSON holds, before it is checked.</summary>
    private sealed class Document
    {
        [JsonPropertyName("semaphore")]
        public int? Semaphore { get; init; }

        [JsonPropertyName("max")]
        public int? Max { get; init; }

        [JsonPropertyName("holders")]
        public string?[]? Holders { get; init; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; set; }
    }

    [JsonSourceGenerationOptions(AllowDuplicateProperties = false)]
    [JsonSerializable(typeof(Document))]
    private sealed partial class SemaphoreJson : JsonSerializerContext;

    /// <summary>Go's string order: by UTF-8 bytes, which is the order of code points.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static Utf8Order Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            var left = x.EnumerateRunes();
            var right = y.EnumerateRunes();
            while (true)
            {
                var hasLeft = left.MoveNext();
                var hasRight = right.MoveNext();
                if (!hasLeft || !hasRight)
                {
                    // Unpaired surrogates all read as U+FFFD: the UTF-16 order tells such strings apart.
                    return hasLeft ? 1 : hasRight ? -1 : string.CompareOrdinal(x, y);
                }

                var order = left.Current.Value.CompareTo(right.Current.Value);
                if (order != 0)
                {
                    return order;
                }
            }
        }
    }
}
