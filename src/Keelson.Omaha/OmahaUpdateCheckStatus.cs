namespace Keelson.Omaha;

/// <summary>Values of the <c>status</c> attribute of an <c>&lt;updatecheck&gt;</c> in an Omaha response.</summary>
public static class OmahaUpdateCheckStatus
{
    public const string Ok = "ok";
    public const string NoUpdate = "noupdate";
    public const string OsNotSupported = "error-osnotsupported";
    public const string UnsupportedProtocol = "error-unsupportedProtocol";
    public const string Hash = "error-hash";
    public const string Internal = "error-internal";
}
