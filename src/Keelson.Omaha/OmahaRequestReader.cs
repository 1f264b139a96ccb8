using System.Xml;

namespace Keelson.Omaha;

/// <summary>
/// Reads an Omaha v3 request from network input, strictly and within fixed bounds; anything it cannot
/// accept throws an <see cref="OmahaFormatException"/> naming what was wrong and where.
/// </summary>
/// <remarks>
/// <para>
/// Refused: more than <see cref="MaxRequestBytes"/> bytes, any DTD (so no entity expansion and no external
/// entity), malformed XML, a root other than <c>&lt;request protocol="3.0"&gt;</c>, a request without an
/// <c>&lt;app&gt;</c>, an <c>&lt;app&gt;</c> without a non-blank <c>appid</c>, an <c>&lt;event&gt;</c> without an
/// integer <c>eventtype</c> and <c>eventresult</c>, a non-integer <c>errorcode</c>, a second <c>&lt;os&gt;</c>, or
/// a second <c>&lt;ping&gt;</c> or <c>&lt;updatecheck&gt;</c> in one app; and, for every element, known or not,
/// nesting deeper than <see cref="MaxDepth"/>, more than <see cref="MaxAttributesPerElement"/> attributes, or an
/// attribute value longer than <see cref="MaxAttributeValueLength"/> characters. More than <see cref="MaxApps"/>
/// apps or <see cref="MaxEventsPerApp"/> events in one app are refused too.
/// </para>
/// <para>
/// Unknown elements and attributes are ignored. String attributes that are absent are
/// <see langword="null"/>; present but empty, <c>""</c>. Booleans are lenient: <c>"1"</c> and <c>"true"</c>
/// are true, anything else false. Integers are strict (optional minus sign and ASCII digits);
/// <c>errorcode</c> takes any 64-bit value, <c>eventtype</c> and <c>eventresult</c> any 32-bit value.
/// </para>
/// </remarks>
public static class OmahaRequestReader
{
    /// <summary>The largest request body accepted, in bytes.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>How deep elements may nest; the root is level 1.</summary>
    public const int MaxDepth = 8;

    /// <summary>The most attributes one element may carry.</summary>
    public const int MaxAttributesPerElement = 64;

    /// <summary>The longest attribute value accepted, in characters.</summary>
    public const int MaxAttributeValueLength = 4096;

    /// <summary>The most <c>&lt;app&gt;</c> elements in one request.</summary>
    public const int MaxApps = 16;

    /// <summary>The most <c>&lt;event&gt;</c> elements in one <c>&lt;app&gt;</c>.</summary>
    public const int MaxEventsPerApp = 32;

    /// <summary>Reads a request from its UTF-8 body (the encoding declaration or a byte-order mark may say otherwise).</summary>
    /// <exception cref="OmahaFormatException">The body is not an Omaha v3 request Keelson accepts.</exception>
    public static unsafe OmahaRequest Read(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxRequestBytes)
        {
            throw new OmahaFormatException($"request is {utf8.Length} bytes; the limit is {MaxRequestBytes}");
        }

        if (utf8.IsEmpty)
        {
            throw new OmahaFormatException("request is empty");
        }

        // The reader is done with the bytes before the pinning ends, so no copy is needed.
        fixed (byte* bytes = utf8)
        {
            using var stream = new UnmanagedMemoryStream(bytes, utf8.Length);
            try
            {
                // Create already reads: it decodes the first characters to settle the encoding, and throws on bytes
                // the encoding a byte-order mark names cannot decode.
                using var xml = XmlReader.Create(stream, OmahaXmlScanner.Settings);
                var scanner = new OmahaXmlScanner(xml);
                scanner.MoveToRoot(utf8);
                var request = ReadRequest(scanner);
                scanner.ReadToEnd();
                return request;
            }
            catch (XmlException e)
            {
                throw OmahaXmlScanner.Malformed(e);
            }
        }
    }

    private static OmahaRequest ReadRequest(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        scanner.CheckElement();
        if (xml.Name != "request")
        {
            throw scanner.Error($"the root element is <{xml.Name}>; expected <request>");
        }

        int line = scanner.Line, position = scanner.Position;
        string? protocol = null, version = null, updaterVersion = null, installSource = null, userId = null;
        var isMachine = false;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("request");
            switch (xml.Name)
            {
                case "protocol":
                    if (value != "3.0")
                    {
                        throw scanner.Error($"<request> protocol is {OmahaXmlScanner.Quote(value)}; only '3.0' is supported");
                    }

                    protocol = value;
                    break;
                case "version":
                    version = value;
                    break;
                case "updaterversion":
                    updaterVersion = value;
                    break;
                case "installsource":
                    installSource = value;
                    break;
                case "ismachine":
                    isMachine = OmahaXmlScanner.ParseBoolean(value);
                    break;
                case "userid":
                    userId = value;
                    break;
            }
        }

        xml.MoveToElement();
        if (protocol is null)
        {
            throw OmahaXmlScanner.Missing("request", "protocol", line, position);
        }

        OmahaOs? os = null;
        var apps = new List<OmahaAppRequest>(1);
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.NodeType != XmlNodeType.EndElement)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                scanner.CheckElement();
                switch (xml.Name)
                {
                    case "os":
                        if (os is not null)
                        {
                            throw scanner.Error("<request> has more than one <os>");
                        }

                        os = ReadOs(scanner);
                        break;
                    case "app":
                        if (apps.Count == MaxApps)
                        {
                            throw scanner.Error($"<request> has more than {MaxApps} <app> elements");
                        }

                        apps.Add(ReadApp(scanner));
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        if (apps.Count == 0)
        {
            throw new OmahaFormatException($"line {line}: <request> has no <app>", line, position);
        }

        return new OmahaRequest(protocol, version, updaterVersion, installSource, isMachine, os, apps) { UserId = userId };
    }

    private static OmahaOs ReadOs(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        string? version = null, platform = null, servicePack = null, arch = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("os");
            switch (xml.Name)
            {
                case "version":
                    version = value;
                    break;
                case "platform":
                    platform = value;
                    break;
                case "sp":
                    servicePack = value;
                    break;
                case "arch":
                    arch = value;
                    break;
            }
        }

        xml.MoveToElement();
        scanner.SkipContent();
        return new OmahaOs(version, platform, servicePack, arch);
    }

    private static OmahaAppRequest ReadApp(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? appId = null, version = null, track = null, bootId = null, machineId = null, machineAlias = null, userId = null;
        string? oem = null, oemVersion = null, alephVersion = null, board = null, lang = null, hardwareClass = null;
        var deltaOkay = false;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("app");
            switch (xml.Name)
            {
                case "appid":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        throw scanner.Error("<app> attribute 'appid' is empty");
                    }

                    appId = value;
                    break;
                case "version":
                    version = value;
                    break;
                case "track":
                    track = value;
                    break;
                case "bootid":
                    bootId = value;
                    break;
                case "machineid":
                    machineId = value;
                    break;
                case "machinealias":
                    machineAlias = value;
                    break;
                case "userid":
                    userId = value;
                    break;
                case "oem":
                    oem = value;
                    break;
                case "oemversion":
                    oemVersion = value;
                    break;
                case "alephversion":
                    alephVersion = value;
                    break;
                case "board":
                    board = value;
                    break;
                case "lang":
                    lang = value;
                    break;
                case "hardware_class":
                    hardwareClass = value;
                    break;
                case "delta_okay":
                    deltaOkay = OmahaXmlScanner.ParseBoolean(value);
                    break;
            }
        }

        xml.MoveToElement();
        if (appId is null)
        {
            throw OmahaXmlScanner.Missing("app", "appid", line, position);
        }

        OmahaPing? ping = null;
        var updateCheck = false;
        List<OmahaEvent>? events = null;
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.NodeType != XmlNodeType.EndElement)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                scanner.CheckElement();
                switch (xml.Name)
                {
                    case "ping":
                        if (ping is not null)
                        {
                            throw scanner.Error("<app> has more than one <ping>");
                        }

                        ping = ReadPing(scanner);
                        break;
                    case "updatecheck":
                        if (updateCheck)
                        {
                            throw scanner.Error("<app> has more than one <updatecheck>");
                        }

                        updateCheck = true;
                        scanner.SkipUnknownElement();
                        break;
                    case "event":
                        events ??= new List<OmahaEvent>(1);
                        if (events.Count == MaxEventsPerApp)
                        {
                            throw scanner.Error($"<app> has more than {MaxEventsPerApp} <event> elements");
                        }

                        events.Add(ReadEvent(scanner));
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        return new OmahaAppRequest
        {
            AppId = appId,
            Version = version,
            Track = track,
            BootId = bootId,
            MachineId = machineId,
            UserId = userId,
            MachineAlias = machineAlias,
            Oem = oem,
            OemVersion = oemVersion,
            AlephVersion = alephVersion,
            Board = board,
            Lang = lang,
            HardwareClass = hardwareClass,
            DeltaOkay = deltaOkay,
            Ping = ping,
            UpdateCheck = updateCheck,
            Events = events is null ? [] : events,
        };
    }

    private static OmahaPing ReadPing(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        var active = false;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("ping");
            if (xml.Name == "active")
            {
                active = OmahaXmlScanner.ParseBoolean(value);
            }
        }

        xml.MoveToElement();
        scanner.SkipContent();
        return new OmahaPing(active);
    }

    private static OmahaEvent ReadEvent(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        int? type = null, result = null;
        long? errorCode = null;
        string? previousVersion = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("event");
            switch (xml.Name)
            {
                case "eventtype":
                    type = scanner.ParseInt32("event", value);
                    break;
                case "eventresult":
                    result = scanner.ParseInt32("event", value);
                    break;
                case "errorcode":
                    errorCode = scanner.ParseInt64("event", value);
                    break;
                case "previousversion":
                    previousVersion = value;
                    break;
            }
        }

        xml.MoveToElement();
        if (type is null)
        {
            throw OmahaXmlScanner.Missing("event", "eventtype", line, position);
        }

        if (result is null)
        {
            throw OmahaXmlScanner.Missing("event", "eventresult", line, position);
        }

        scanner.SkipContent();
        return new OmahaEvent((OmahaEventType)type.Value, (OmahaEventResult)result.Value, errorCode, previousVersion);
    }
}
