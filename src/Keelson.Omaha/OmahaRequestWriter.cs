namespace Keelson.Omaha;

/// <summary>
/// Writes an <see cref="OmahaRequest"/> in update_engine's shape, byte for byte: an XML declaration,
/// four-space indentation, elements closed with end tags, and the attributes in update_engine's order.
/// Keelson's agent sends this; tests use it to build requests.
/// </summary>
/// <remarks>
/// Attributes whose value is <see langword="null"/> are left out; <c>""</c> is written as <c>attr=""</c>.
/// <c>ismachine</c> is written as <c>"1"</c>/<c>"0"</c>, <c>delta_okay</c> as <c>"true"</c>/<c>"false"</c>,
/// <c>ping/@active</c> as <c>"1"</c>/<c>"0"</c>.
/// </remarks>
public static class OmahaRequestWriter
{
    /// <summary>Writes <paramref name="request"/> into a new array.</summary>
    public static byte[] Write(OmahaRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        var writer = new Utf8XmlWriter();
        try
        {
            Write(request, ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static void Write(OmahaRequest request, ref Utf8XmlWriter writer)
    {
        writer.WriteRaw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"u8);
        writer.WriteAttribute("<request protocol=\""u8, request.Protocol);
        WriteOptional(" version=\""u8, request.Version, ref writer);
        WriteOptional(" updaterversion=\""u8, request.UpdaterVersion, ref writer);
        WriteOptional(" installsource=\""u8, request.InstallSource, ref writer);
        WriteOptional(" userid=\""u8, request.UserId, ref writer);
        writer.WriteRaw(request.IsMachine ? " ismachine=\"1\">\n"u8 : " ismachine=\"0\">\n"u8);

        if (request.Os is { } os)
        {
            writer.WriteRaw("    <os"u8);
            WriteOptional(" version=\""u8, os.Version, ref writer);
            WriteOptional(" platform=\""u8, os.Platform, ref writer);
            WriteOptional(" sp=\""u8, os.ServicePack, ref writer);
            WriteOptional(" arch=\""u8, os.Arch, ref writer);
            writer.WriteRaw("></os>\n"u8);
        }

        foreach (var app in request.Apps)
        {
            WriteApp(app, ref writer);
        }

        writer.WriteRaw("</request>\n"u8);
    }

    private static void WriteApp(OmahaAppRequest app, ref Utf8XmlWriter writer)
    {
        writer.WriteAttribute("    <app appid=\""u8, app.AppId);
        WriteOptional(" version=\""u8, app.Version, ref writer);
        WriteOptional(" track=\""u8, app.Track, ref writer);
        WriteOptional(" bootid=\""u8, app.BootId, ref writer);
        WriteOptional(" oem=\""u8, app.Oem, ref writer);
        WriteOptional(" oemversion=\""u8, app.OemVersion, ref writer);
        WriteOptional(" alephversion=\""u8, app.AlephVersion, ref writer);
        WriteOptional(" machineid=\""u8, app.MachineId, ref writer);
        WriteOptional(" userid=\""u8, app.UserId, ref writer);
        WriteOptional(" machinealias=\""u8, app.MachineAlias, ref writer);
        WriteOptional(" lang=\""u8, app.Lang, ref writer);
        WriteOptional(" board=\""u8, app.Board, ref writer);
        WriteOptional(" hardware_class=\""u8, app.HardwareClass, ref writer);

        // update_engine leaves a space before '>' here; keep it so the bytes match.
        writer.WriteRaw(app.DeltaOkay ? " delta_okay=\"true\" >\n"u8 : " delta_okay=\"false\" >\n"u8);

        if (app.Ping is { } ping)
        {
            writer.WriteRaw(ping.Active ? "        <ping active=\"1\"></ping>\n"u8 : "        <ping active=\"0\"></ping>\n"u8);
        }

        if (app.UpdateCheck)
        {
            writer.WriteRaw("        <updatecheck></updatecheck>\n"u8);
        }

        foreach (var e in app.Events)
        {
            writer.WriteAttribute("        <event eventtype=\""u8, (long)e.Type);
            writer.WriteAttribute(" eventresult=\""u8, (long)e.Result);
            if (e.ErrorCode is { } errorCode)
            {
                writer.WriteAttribute(" errorcode=\""u8, errorCode);
            }

            WriteOptional(" previousversion=\""u8, e.PreviousVersion, ref writer);
            writer.WriteRaw("></event>\n"u8);
        }

        writer.WriteRaw("    </app>\n"u8);
    }

    private static void WriteOptional(scoped ReadOnlySpan<byte> prefix, string? value, ref Utf8XmlWriter writer)
    {
        if (value is not null)
        {
            writer.WriteAttribute(prefix, value);
        }
    }
}
