using System.Globalization;
using System.Xml;

namespace Keelson.Omaha;

/// <summary>
/// What the request and response readers share: the hardened <see cref="XmlReaderSettings"/>, the limits
/// every element is held to (known or not), strict attribute parsing, and errors that say where.
/// </summary>
internal readonly struct OmahaXmlScanner
{
    private const int MaxQuotedValue = 64;

    private readonly IXmlLineInfo _lineInfo;

    public OmahaXmlScanner(XmlReader reader)
    {
        Reader = reader;
        _lineInfo = (IXmlLineInfo)reader;
    }

    /// <summary>No DTD, no resolver, nothing but the document itself; comments and whitespace skipped.</summary>
    public static XmlReaderSettings Settings { get; } = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = OmahaRequestReader.MaxRequestBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CheckCharacters = true,
        ConformanceLevel = ConformanceLevel.Document,
        CloseInput = false,
    };

    public XmlReader Reader { get; }

    public int Line => _lineInfo.LineNumber;

    public int Position => _lineInfo.LinePosition;

    /// <summary>Moves to the root element, turning a DTD into a clear refusal.</summary>
    public void MoveToRoot(ReadOnlySpan<byte> document)
    {
        try
        {
            Reader.MoveToContent();
        }
        catch (XmlException e) when (document.IndexOf("<!DOCTYPE"u8) >= 0 || e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            // XmlReader gives no position for this refusal; point at the <!DOCTYPE> itself.
            var (line, position) = e.LineNumber > 0 ? (e.LineNumber, e.LinePosition) : LocateDoctype(document);
            throw new OmahaFormatException(
                string.Create(CultureInfo.InvariantCulture, $"line {line}, position {position}: <!DOCTYPE> is not allowed: Omaha documents have no DTD, and no entity is expanded or fetched"),
                line,
                position,
                e);
        }

        if (Reader.NodeType != XmlNodeType.Element)
        {
            throw Error("the document has no root element");
        }
    }

    /// <summary>Reads past the root element, so that anything malformed after it is still refused.</summary>
    public void ReadToEnd()
    {
        // XmlReader itself refuses a second root element or text after the root.
        while (Reader.Read())
        {
        }
    }

    public static OmahaFormatException Malformed(XmlException e)
    {
        // XmlException's message ends with " Line N, position M."; the line goes first in ours.
        var message = e.Message;
        var suffix = message.LastIndexOf(" Line ", StringComparison.Ordinal);
        if (suffix > 0 && e.LineNumber > 0)
        {
            message = message[..suffix];
        }

        return new OmahaFormatException(
            string.Create(CultureInfo.InvariantCulture, $"line {e.LineNumber}, position {e.LinePosition}: malformed XML: {message}"),
            e.LineNumber,
            e.LinePosition,
            e);
    }

    /// <summary>An error at the reader's current node: <c>"line 3: ..."</c>.</summary>
    public OmahaFormatException Error(string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"line {Line}: {message}"), Line, Position);

    /// <summary>Holds the element the reader is on to the depth and attribute-count limits.</summary>
    public void CheckElement()
    {
        if (Reader.Depth >= OmahaRequestReader.MaxDepth)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"<{Reader.Name}> is nested {Reader.Depth + 1} elements deep; the limit is {OmahaRequestReader.MaxDepth}"));
        }

        if (Reader.AttributeCount > OmahaRequestReader.MaxAttributesPerElement)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"<{Reader.Name}> has {Reader.AttributeCount} attributes; the limit is {OmahaRequestReader.MaxAttributesPerElement}"));
        }
    }

    /// <summary>The value of the attribute the reader is on, held to the length limit.</summary>
    public string AttributeValue(string element)
    {
        var value = Reader.Value;
        if (value.Length > OmahaRequestReader.MaxAttributeValueLength)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"<{element}> attribute '{Reader.Name}' is {value.Length} characters long; the limit is {OmahaRequestReader.MaxAttributeValueLength}"));
        }

        return value;
    }

    /// <summary>
    /// Skips the content of the element the reader is on (an unknown element, or the children of a known
    /// leaf), holding every element inside to the limits. Ends on the element's end tag.
    /// </summary>
    public void SkipContent()
    {
        if (Reader.IsEmptyElement)
        {
            return;
        }

        var depth = Reader.Depth;
        while (Reader.Read())
        {
            if (Reader.NodeType == XmlNodeType.Element)
            {
                CheckUnknownElement();
            }
            else if (Reader.NodeType == XmlNodeType.EndElement && Reader.Depth == depth)
            {
                return;
            }
        }
    }

    /// <summary>Checks an element that is ignored, attributes included, then skips its content.</summary>
    public void SkipUnknownElement()
    {
        CheckUnknownElement();
        SkipContent();
    }

    public long ParseInt64(string element, string value)
    {
        // Strict: an optional minus sign and digits, nothing else (no spaces, no '+', no hex).
        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-')
            && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        throw Error(string.Create(CultureInfo.InvariantCulture, $"<{element}> attribute '{Reader.Name}' is not an integer: {Quote(value)}"));
    }

    public int ParseInt32(string element, string value)
    {
        var result = ParseInt64(element, value);
        return result is >= int.MinValue and <= int.MaxValue
            ? (int)result
            : throw Error(string.Create(CultureInfo.InvariantCulture, $"<{element}> attribute '{Reader.Name}' is out of range: {Quote(value)}"));
    }

    /// <summary>Lenient: <c>"1"</c> and <c>"true"</c> (any case) are true, anything else false.</summary>
    public static bool ParseBoolean(string value) =>
        value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);

    public static OmahaFormatException Missing(string element, string attribute, int line, int position) =>
        new(string.Create(CultureInfo.InvariantCulture, $"line {line}: <{element}> attribute '{attribute}' is missing"), line, position);

    public static string Quote(string value) =>
        value.Length <= MaxQuotedValue ? $"'{value}'" : $"'{value[..MaxQuotedValue]}...' ({value.Length} characters)";

    private static (int Line, int Position) LocateDoctype(ReadOnlySpan<byte> document)
    {
        var index = document.IndexOf("<!DOCTYPE"u8);
        if (index < 0)
        {
            return (0, 0);
        }

        var before = document[..index];
        return (before.Count((byte)'\n') + 1, index - before.LastIndexOf((byte)'\n'));
    }

    private void CheckUnknownElement()
    {
        CheckElement();
        var element = Reader.Name;
        if (Reader.MoveToFirstAttribute())
        {
            do
            {
                AttributeValue(element);
            }
            while (Reader.MoveToNextAttribute());

            Reader.MoveToElement();
        }
    }
}
