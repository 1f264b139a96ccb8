using System.Buffers;
using System.Globalization;
using System.Text.Unicode;

namespace Keelson.Omaha;

/// <summary>
/// Writes UTF-8 XML straight into an <see cref="IBufferWriter{T}"/> or a pooled array, escaping attribute
/// values only where they need it. It knows nothing of elements: callers write the markup as literals.
/// </summary>
internal ref struct Utf8XmlWriter
{
    private const int MinimumChunk = 512;
    private const int PooledInitialSize = 2048;

    // Characters that need an entity in a double-quoted attribute value, or that XML 1.0 forbids.
    // Whitespace other than space is written as a character reference so that attribute-value
    // normalization on the reading side does not turn it into a space.
    private static readonly SearchValues<char> s_special = SearchValues.Create(
        "&<>\"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private readonly IBufferWriter<byte>? _output;
    private byte[]? _rented;
    private Span<byte> _buffer;
    private int _position;

    /// <summary>Writes into <paramref name="output"/>; call <see cref="Flush"/> at the end.</summary>
    public Utf8XmlWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _buffer = output.GetSpan(MinimumChunk);
    }

    /// <summary>Writes into a pooled array; call <see cref="ToArray"/> at the end and <see cref="Dispose"/> always.</summary>
    public Utf8XmlWriter()
    {
        _rented = ArrayPool<byte>.Shared.Rent(PooledInitialSize);
        _buffer = _rented;
    }

    public void WriteRaw(scoped ReadOnlySpan<byte> utf8)
    {
        if (_buffer.Length - _position < utf8.Length)
        {
            Grow(utf8.Length);
        }

        utf8.CopyTo(_buffer[_position..]);
        _position += utf8.Length;
    }

    /// <summary>Writes <paramref name="prefix"/> (e.g. <c> appid="</c>), the escaped value and the closing quote.</summary>
    public void WriteAttribute(scoped ReadOnlySpan<byte> prefix, string value)
    {
        WriteRaw(prefix);
        WriteEscaped(value);
        WriteRaw("\""u8);
    }

    /// <summary>Writes <paramref name="prefix"/> (e.g. <c> size="</c>), the number and the closing quote.</summary>
    public void WriteAttribute(scoped ReadOnlySpan<byte> prefix, long value)
    {
        WriteRaw(prefix);
        if (_buffer.Length - _position < 21)
        {
            Grow(21);
        }

        value.TryFormat(_buffer[_position..], out var written, default, CultureInfo.InvariantCulture);
        _position += written;
        WriteRaw("\""u8);
    }

    public void WriteEscaped(string value)
    {
        var remaining = value.AsSpan();
        while (true)
        {
            var special = remaining.IndexOfAny(s_special);
            if (special < 0)
            {
                WriteUtf8(remaining);
                return;
            }

            WriteUtf8(remaining[..special]);
            var c = remaining[special];
            WriteRaw(c switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '"' => "&quot;"u8,
                '\t' => "&#x9;"u8,
                '\n' => "&#xA;"u8,
                '\r' => "&#xD;"u8,
                _ => throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"An attribute value contains U+{(int)c:X4}, which XML 1.0 does not allow.")),
            });
            remaining = remaining[(special + 1)..];
        }
    }

    /// <summary>Hands what was written to the <see cref="IBufferWriter{T}"/>.</summary>
    public void Flush()
    {
        _output!.Advance(_position);
        _position = 0;
        _buffer = default;
    }

    /// <summary>Copies what was written into a new array of exactly that length.</summary>
    public readonly byte[] ToArray() => _buffer[.._position].ToArray();

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
            _buffer = default;
        }
    }

    private void WriteUtf8(scoped ReadOnlySpan<char> chars)
    {
        while (!chars.IsEmpty)
        {
            var status = Utf8.FromUtf16(chars, _buffer[_position..], out var read, out var written, replaceInvalidSequences: false);
            _position += written;
            chars = chars[read..];
            switch (status)
            {
                case OperationStatus.Done:
                    return;
                case OperationStatus.InvalidData:
                    throw new ArgumentException("An attribute value contains a lone UTF-16 surrogate, which UTF-8 cannot carry.");
                default:
                    Grow(Math.Clamp(chars.Length * 3, 4, 64 * 1024));
                    break;
            }
        }
    }

    private void Grow(int needed)
    {
        if (_output is not null)
        {
            _output.Advance(_position);
            _buffer = _output.GetSpan(Math.Max(needed, MinimumChunk));
            _position = 0;
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + needed));
        _buffer[.._position].CopyTo(larger);
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }

        _rented = larger;
        _buffer = larger;
    }
}
