using System.Text;

namespace Keelson.Omaha.Tests;

/// <summary>The sample documents copied into the test output, and the values they hold.</summary>
internal static class Samples
{
    public const string UpdateCheck = "request-updatecheck.xml";
    public const string Rollback = "request-rollback.xml";
    public const string DownloadStarted = "request-event-download-started.xml";
    public const string EventError = "request-event-error.xml";
    public const string UpdateResponse = "response-update.xml";
    public const string NoUpdateResponse = "response-noupdate.xml";
    public const string UserIdRequest = "request-userid.xml";
    public const string AppUserIdRequest = "request-app-userid.xml";
    public const string ForcedUpdateRequest = "request-forced-update.xml";

    public static byte[] Bytes(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "samples", "omaha", name));

    public static byte[] Utf8(string xml) => Encoding.UTF8.GetBytes(xml);

    /// <summary>The &lt;request&gt; and &lt;os&gt; every sample request carries.</summary>
    public static OmahaRequest Request(params OmahaAppRequest[] apps) => new(
        Protocol: "3.0",
        Version: "update_engine-0.4.10",
        UpdaterVersion: "update_engine-0.4.10",
        InstallSource: "scheduler",
        IsMachine: true,
        Os: new OmahaOs(Version: "Chateau", Platform: "CoreOS", ServicePack: "2512.2.0_x86_64", Arch: null),
        Apps: apps);

    /// <summary>The &lt;app&gt; attributes every sample request carries, with no children.</summary>
    public static OmahaAppRequest App(string bootId = "{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}") => new()
    {
        AppId = "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}",
        Version = "2512.2.0",
        Track = "stable",
        BootId = bootId,
        Oem = "ami",
        OemVersion = "0.1.1-r1",
        AlephVersion = "1688.5.3",
        MachineId = "abce671d61774703ac7be60715220bfe",
        MachineAlias = "",
        Lang = "en-US",
        Board = "amd64-usr",
        HardwareClass = "",
        DeltaOkay = false,
    };

    public static OmahaResponse UpdateResponseValue { get; } = new(
        [
            new OmahaAppResponse(
                "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}",
                OmahaAppStatus.Ok,
                Ping: true,
                new OmahaUpdateCheckResponse(
                    OmahaUpdateCheckStatus.Ok,
                    new OmahaManifest(
                        "3732.0.0",
                        [new OmahaPackage("flatcar_production_update.gz", "I6DGNAOrJRUxPbCuLw+AITfiVMo=", 382137917, Sha256Base64: "stLG3U/o4Ar8TMHFwT/RWB0iNkaWOO6QtLrq6+AHBbA=")],
                        new OmahaPostInstallAction("stLG3U/o4Ar8TMHFwT/RWB0iNkaWOO6QtLrq6+AHBbA=")),
                    ["https://updates.example.com/amd64-usr/3732.0.0/"]),
                EventCount: 1),
        ],
        DaystartElapsedSeconds: 0);

    public static OmahaResponse NoUpdateResponseValue { get; } = new(
        [
            new OmahaAppResponse(
                "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}",
                OmahaAppStatus.Ok,
                Ping: true,
                new OmahaUpdateCheckResponse(OmahaUpdateCheckStatus.NoUpdate),
                EventCount: 0),
        ],
        DaystartElapsedSeconds: 49051);
}
