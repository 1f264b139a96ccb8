using System.Buffers;

namespace Keelson.Omaha;

/// <summary>
/// Writes an <see cref="OmahaResponse"/> as the UTF-8 XML update_engine expects: the server's hot path, so it
/// writes bytes straight into the output and escapes only values that need it.
/// </summary>
/// <remarks>
/// The shape is <c>&lt;?xml version="1.0" encoding="UTF-8"?&gt;</c>, a newline, then
/// <c>&lt;response protocol="3.0" server=".."&gt;&lt;daystart elapsed_seconds="N"/&gt;</c> and one
/// <c>&lt;app&gt;</c> per answer holding <c>&lt;ping status="ok"/&gt;</c> (when <see cref="OmahaAppResponse.Ping"/>),
/// the <c>&lt;updatecheck&gt;</c> (when not <see langword="null"/>) with its <c>&lt;urls&gt;</c> and
/// <c>&lt;manifest&gt;</c>, and <see cref="OmahaAppResponse.EventCount"/> times <c>&lt;event status="ok"/&gt;</c>,
/// with no whitespace between elements. A value holding a character XML 1.0 cannot carry (a control
/// character other than tab, newline and carriage return, or a lone surrogate) throws an
/// <see cref="ArgumentException"/>.
/// </remarks>
public static class OmahaResponseWriter
{
    /// <summary>Writes <paramref name="response"/> into a new array.</summary>
    public static byte[] Write(OmahaResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);

        var writer = new Utf8XmlWriter();
        try
        {
            Write(response, ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Writes <paramref name="response"/> into <paramref name="output"/> (a PipeWriter, for instance).</summary>
    public static void Write(OmahaResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(output);

        var writer = new Utf8XmlWriter(output);
        Write(response, ref writer);
        writer.Flush();
    }

    private static void Write(OmahaResponse response, ref Utf8XmlWriter writer)
    {
        writer.WriteRaw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response protocol=\"3.0\""u8);
        writer.WriteAttribute(" server=\""u8, response.Server);
        writer.WriteAttribute("><daystart elapsed_seconds=\""u8, response.DaystartElapsedSeconds);
        writer.WriteRaw("/>"u8);

        // Indexed loops: foreach over an IReadOnlyList<T> would allocate an enumerator.
        var apps = response.Apps;
        for (var i = 0; i < apps.Count; i++)
        {
            WriteApp(apps[i], ref writer);
        }

        writer.WriteRaw("</response>"u8);
    }

    private static void WriteApp(OmahaAppResponse app, ref Utf8XmlWriter writer)
    {
        writer.WriteAttribute("<app appid=\""u8, app.AppId);
        writer.WriteAttribute(" status=\""u8, app.Status);
        if (!app.Ping && app.UpdateCheck is null && app.EventCount <= 0)
        {
            writer.WriteRaw("/>"u8);
            return;
        }

        writer.WriteRaw(">"u8);
        if (app.Ping)
        {
            writer.WriteRaw("<ping status=\"ok\"/>"u8);
        }

        if (app.UpdateCheck is { } updateCheck)
        {
            WriteUpdateCheck(updateCheck, ref writer);
        }

        for (var i = 0; i < app.EventCount; i++)
        {
            writer.WriteRaw("<event status=\"ok\"/>"u8);
        }

        writer.WriteRaw("</app>"u8);
    }

    private static void WriteUpdateCheck(OmahaUpdateCheckResponse updateCheck, ref Utf8XmlWriter writer)
    {
        writer.WriteAttribute("<updatecheck status=\""u8, updateCheck.Status);
        if (updateCheck.PollIntervalSeconds is { } pollInterval)
        {
            writer.WriteAttribute(" PollInterval=\""u8, pollInterval);
        }

        if (updateCheck.Codebases is null && updateCheck.Manifest is null)
        {
            writer.WriteRaw("/>"u8);
            return;
        }

        writer.WriteRaw(">"u8);
        if (updateCheck.Codebases is { } codebases)
        {
            writer.WriteRaw("<urls>"u8);
            for (var i = 0; i < codebases.Count; i++)
            {
                writer.WriteAttribute("<url codebase=\""u8, codebases[i]);
                writer.WriteRaw("/>"u8);
            }

            writer.WriteRaw("</urls>"u8);
        }

        if (updateCheck.Manifest is { } manifest)
        {
            WriteManifest(manifest, ref writer);
        }

        writer.WriteRaw("</updatecheck>"u8);
    }

    private static void WriteManifest(OmahaManifest manifest, ref Utf8XmlWriter writer)
    {
        writer.WriteAttribute("<manifest version=\""u8, manifest.Version);
        writer.WriteRaw("><packages>"u8);
        var packages = manifest.Packages;
        for (var i = 0; i < packages.Count; i++)
        {
            var package = packages[i];
            writer.WriteAttribute("<package name=\""u8, package.Name);
            writer.WriteAttribute(" hash=\""u8, package.Sha1Base64);
            if (package.Sha256Base64 is { } sha256)
            {
                writer.WriteAttribute(" hash_sha256=\""u8, sha256);
            }

            writer.WriteAttribute(" size=\""u8, package.Size);
            writer.WriteRaw(package.Required ? " required=\"true\"/>"u8 : " required=\"false\"/>"u8);
        }

        var action = manifest.Action;
        writer.WriteAttribute("</packages><actions><action event=\"postinstall\" sha256=\""u8, action.Sha256Base64);
        if (action.DisablePayloadBackoff)
        {
            writer.WriteRaw(" DisablePayloadBackoff=\"true\""u8);
        }

        if (action.IsDeltaPayload)
        {
            writer.WriteRaw(" IsDeltaPayload=\"true\""u8);
        }

        if (action.MaxFailureCountPerUrl is { } maxFailures)
        {
            writer.WriteAttribute(" MaxFailureCountPerUrl=\""u8, maxFailures);
        }

        writer.WriteRaw("/></actions></manifest>"u8);
    }
}
