namespace Keelson.Server.Tests;

/// <summary>Omaha requests of update_engine's shape, with the parts a test varies.</summary>
public static class OmahaXml
{
    private const string BootId = "{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}";

    public static string Request(string machineId, string version, string track, string appBody, string appId = "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <request protocol="3.0" version="update_engine-0.4.10" updaterversion="update_engine-0.4.10" installsource="scheduler" ismachine="1">
            <os version="Chateau" platform="CoreOS" sp="{version}_x86_64"></os>
            <app appid="{appId}" version="{version}" track="{track}" bootid="{BootId}" oem="ami" oemversion="0.1.1-r1" alephversion="1688.5.3" machineid="{machineId}" machinealias="" lang="en-US" board="amd64-usr" hardware_class="" delta_okay="false">
                {appBody}
            </app>
        </request>
        """;

    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", "omaha", name));
}
