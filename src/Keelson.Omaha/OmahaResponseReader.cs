using System.Xml;

namespace Keelson.Omaha;

/// <summary>
/// Reads an Omaha v3 response, for Keelson's agent. As strict and bounded as <see cref="OmahaRequestReader"/>
/// (same limits on size, depth, attributes and value length, no DTD), and throws an
/// <see cref="OmahaFormatException"/> naming what was wrong and where.
/// </summary>
/// <remarks>
/// Required: <c>&lt;response protocol="3.0"&gt;</c>; <c>appid</c> and <c>status</c> on <c>&lt;app&gt;</c>;
/// <c>status</c> on <c>&lt;updatecheck&gt;</c>; <c>codebase</c> on <c>&lt;url&gt;</c>; <c>version</c> on
/// <c>&lt;manifest&gt;</c>; <c>name</c>, <c>hash</c> and an integer <c>size</c> on <c>&lt;package&gt;</c>; and in
/// each manifest an <c>&lt;action event="postinstall"&gt;</c> with <c>sha256</c>. Actions for other events are
/// ignored, as are unknown elements and attributes. <c>&lt;ping&gt;</c> counts whatever its status, and so does
/// each <c>&lt;event&gt;</c>. At most <see cref="MaxListItems"/> urls, packages or actions per list.
/// </remarks>
public static class OmahaResponseReader
{
    /// <summary>The largest response accepted, in bytes.</summary>
    public const int MaxResponseBytes = OmahaRequestReader.MaxRequestBytes;

    /// <summary>The most <c>&lt;url&gt;</c>, <c>&lt;package&gt;</c> or <c>&lt;action&gt;</c> elements in one list.</summary>
    public const int MaxListItems = 32;

    /// <summary>Reads a response from its UTF-8 body.</summary>
    /// <exception cref="OmahaFormatException">The body is not an Omaha v3 response Keelson accepts.</exception>
    public static unsafe OmahaResponse Read(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxResponseBytes)
        {
            throw new OmahaFormatException($"response is {utf8.Length} bytes; the limit is {MaxResponseBytes}");
        }

        if (utf8.IsEmpty)
        {
            throw new OmahaFormatException("response is empty");
        }

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
                var response = ReadResponse(scanner);
                scanner.ReadToEnd();
                return response;
            }
            catch (XmlException e)
            {
                throw OmahaXmlScanner.Malformed(e);
            }
        }
    }

    private static OmahaResponse ReadResponse(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        scanner.CheckElement();
        if (xml.Name != "response")
        {
            throw scanner.Error($"the root element is <{xml.Name}>; expected <response>");
        }

        int line = scanner.Line, position = scanner.Position;
        string? protocol = null;
        var server = string.Empty;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("response");
            switch (xml.Name)
            {
                case "protocol":
                    if (value != "3.0")
                    {
                        throw scanner.Error($"<response> protocol is {OmahaXmlScanner.Quote(value)}; only '3.0' is supported");
                    }

                    protocol = value;
                    break;
                case "server":
                    server = value;
                    break;
            }
        }

        xml.MoveToElement();
        if (protocol is null)
        {
            throw OmahaXmlScanner.Missing("response", "protocol", line, position);
        }

        long? daystart = null;
        var apps = new List<OmahaAppResponse>(1);
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
                    case "daystart":
                        if (daystart is not null)
                        {
                            throw scanner.Error("<response> has more than one <daystart>");
                        }

                        daystart = ReadDaystart(scanner);
                        break;
                    case "app":
                        if (apps.Count == OmahaRequestReader.MaxApps)
                        {
                            throw scanner.Error($"<response> has more than {OmahaRequestReader.MaxApps} <app> elements");
                        }

                        apps.Add(ReadApp(scanner));
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        return new OmahaResponse(apps, daystart ?? 0, server);
    }

    private static long ReadDaystart(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        long elapsed = 0;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("daystart");
            if (xml.Name == "elapsed_seconds")
            {
                elapsed = scanner.ParseInt64("daystart", value);
            }
        }

        xml.MoveToElement();
        scanner.SkipContent();
        return elapsed;
    }

    private static OmahaAppResponse ReadApp(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? appId = null, status = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("app");
            switch (xml.Name)
            {
                case "appid":
                    appId = value;
                    break;
                case "status":
                    status = value;
                    break;
            }
        }

        xml.MoveToElement();
        if (appId is null)
        {
            throw OmahaXmlScanner.Missing("app", "appid", line, position);
        }

        if (status is null)
        {
            throw OmahaXmlScanner.Missing("app", "status", line, position);
        }

        var ping = false;
        OmahaUpdateCheckResponse? updateCheck = null;
        var events = 0;
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
                        if (ping)
                        {
                            throw scanner.Error("<app> has more than one <ping>");
                        }

                        ping = true;
                        scanner.SkipUnknownElement();
                        break;
                    case "updatecheck":
                        if (updateCheck is not null)
                        {
                            throw scanner.Error("<app> has more than one <updatecheck>");
                        }

                        updateCheck = ReadUpdateCheck(scanner);
                        break;
                    case "event":
                        if (events == OmahaRequestReader.MaxEventsPerApp)
                        {
                            throw scanner.Error($"<app> has more than {OmahaRequestReader.MaxEventsPerApp} <event> elements");
                        }

                        events++;
                        scanner.SkipUnknownElement();
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        return new OmahaAppResponse(appId, status, ping, updateCheck, events);
    }

    private static OmahaUpdateCheckResponse ReadUpdateCheck(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? status = null;
        int? pollInterval = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("updatecheck");
            switch (xml.Name)
            {
                case "status":
                    status = value;
                    break;
                case "PollInterval":
                    pollInterval = scanner.ParseInt32("updatecheck", value);
                    break;
            }
        }

        xml.MoveToElement();
        if (status is null)
        {
            throw OmahaXmlScanner.Missing("updatecheck", "status", line, position);
        }

        List<string>? codebases = null;
        OmahaManifest? manifest = null;
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
                    case "urls":
                        if (codebases is not null)
                        {
                            throw scanner.Error("<updatecheck> has more than one <urls>");
                        }

                        codebases = ReadUrls(scanner);
                        break;
                    case "manifest":
                        if (manifest is not null)
                        {
                            throw scanner.Error("<updatecheck> has more than one <manifest>");
                        }

                        manifest = ReadManifest(scanner);
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        return new OmahaUpdateCheckResponse(status, manifest, codebases, pollInterval);
    }

    private static List<string> ReadUrls(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        var codebases = new List<string>(1);
        SkipAttributes(scanner, "urls");
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.NodeType != XmlNodeType.EndElement)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                scanner.CheckElement();
                if (xml.Name != "url")
                {
                    scanner.SkipUnknownElement();
                    continue;
                }

                if (codebases.Count == MaxListItems)
                {
                    throw scanner.Error($"<urls> has more than {MaxListItems} <url> elements");
                }

                int line = scanner.Line, position = scanner.Position;
                string? codebase = null;
                for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
                {
                    var value = scanner.AttributeValue("url");
                    if (xml.Name == "codebase")
                    {
                        codebase = value;
                    }
                }

                xml.MoveToElement();
                codebases.Add(codebase ?? throw OmahaXmlScanner.Missing("url", "codebase", line, position));
                scanner.SkipContent();
            }
        }

        return codebases;
    }

    private static OmahaManifest ReadManifest(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? version = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("manifest");
            if (xml.Name == "version")
            {
                version = value;
            }
        }

        xml.MoveToElement();
        if (version is null)
        {
            throw OmahaXmlScanner.Missing("manifest", "version", line, position);
        }

        List<OmahaPackage>? packages = null;
        OmahaPostInstallAction? action = null;
        var sawActions = false;
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
                    case "packages":
                        if (packages is not null)
                        {
                            throw scanner.Error("<manifest> has more than one <packages>");
                        }

                        packages = ReadPackages(scanner);
                        break;
                    case "actions":
                        if (sawActions)
                        {
                            throw scanner.Error("<manifest> has more than one <actions>");
                        }

                        sawActions = true;
                        action = ReadActions(scanner);
                        break;
                    default:
                        scanner.SkipUnknownElement();
                        break;
                }
            }
        }

        if (action is null)
        {
            throw new OmahaFormatException($"line {line}: <manifest> has no <action event=\"postinstall\">", line, position);
        }

        return new OmahaManifest(version, packages is null ? [] : packages, action);
    }

    private static List<OmahaPackage> ReadPackages(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        var packages = new List<OmahaPackage>(1);
        SkipAttributes(scanner, "packages");
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.NodeType != XmlNodeType.EndElement)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                scanner.CheckElement();
                if (xml.Name != "package")
                {
                    scanner.SkipUnknownElement();
                    continue;
                }

                if (packages.Count == MaxListItems)
                {
                    throw scanner.Error($"<packages> has more than {MaxListItems} <package> elements");
                }

                packages.Add(ReadPackage(scanner));
            }
        }

        return packages;
    }

    private static OmahaPackage ReadPackage(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? name = null, hash = null, sha256 = null;
        long? size = null;
        var required = true;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("package");
            switch (xml.Name)
            {
                case "name":
                    name = value;
                    break;
                case "hash":
                    hash = value;
                    break;
                case "hash_sha256":
                    sha256 = value;
                    break;
                case "size":
                    size = scanner.ParseInt64("package", value);
                    break;
                case "required":
                    required = OmahaXmlScanner.ParseBoolean(value);
                    break;
            }
        }

        xml.MoveToElement();
        var package = new OmahaPackage(
            name ?? throw OmahaXmlScanner.Missing("package", "name", line, position),
            hash ?? throw OmahaXmlScanner.Missing("package", "hash", line, position),
            size ?? throw OmahaXmlScanner.Missing("package", "size", line, position),
            required,
            sha256);
        scanner.SkipContent();
        return package;
    }

    private static OmahaPostInstallAction? ReadActions(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        OmahaPostInstallAction? postInstall = null;
        var count = 0;
        SkipAttributes(scanner, "actions");
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.NodeType != XmlNodeType.EndElement)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                scanner.CheckElement();
                if (xml.Name != "action")
                {
                    scanner.SkipUnknownElement();
                    continue;
                }

                if (++count > MaxListItems)
                {
                    throw scanner.Error($"<actions> has more than {MaxListItems} <action> elements");
                }

                var action = ReadAction(scanner);
                if (action is not null)
                {
                    if (postInstall is not null)
                    {
                        throw scanner.Error("<actions> has more than one <action event=\"postinstall\">");
                    }

                    postInstall = action;
                }
            }
        }

        return postInstall;
    }

    /// <summary>Reads an <c>&lt;action&gt;</c>; <see langword="null"/> when it is not the postinstall action.</summary>
    private static OmahaPostInstallAction? ReadAction(OmahaXmlScanner scanner)
    {
        var xml = scanner.Reader;
        int line = scanner.Line, position = scanner.Position;
        string? actionEvent = null, sha256 = null;
        bool disableBackoff = false, isDelta = false;
        int? maxFailures = null;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            var value = scanner.AttributeValue("action");
            switch (xml.Name)
            {
                case "event":
                    actionEvent = value;
                    break;
                case "sha256":
                    sha256 = value;
                    break;
                case "DisablePayloadBackoff":
                    disableBackoff = OmahaXmlScanner.ParseBoolean(value);
                    break;
                case "IsDeltaPayload":
                    isDelta = OmahaXmlScanner.ParseBoolean(value);
                    break;
                case "MaxFailureCountPerUrl":
                    maxFailures = scanner.ParseInt32("action", value);
                    break;
            }
        }

        xml.MoveToElement();
        OmahaPostInstallAction? action = null;
        if (actionEvent == "postinstall")
        {
            action = new OmahaPostInstallAction(
                sha256 ?? throw OmahaXmlScanner.Missing("action", "sha256", line, position),
                disableBackoff,
                isDelta,
                maxFailures);
        }

        scanner.SkipContent();
        return action;
    }

    private static void SkipAttributes(OmahaXmlScanner scanner, string element)
    {
        var xml = scanner.Reader;
        for (var more = xml.MoveToFirstAttribute(); more; more = xml.MoveToNextAttribute())
        {
            scanner.AttributeValue(element);
        }

        xml.MoveToElement();
    }
}
