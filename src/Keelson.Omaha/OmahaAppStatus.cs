namespace Keelson.Omaha;

/// <summary>Values of the <c>status</c> attribute of an <c>&lt;app&gt;</c> in an Omaha response.</summary>
public static class OmahaAppStatus
{
    public const string Ok = "ok";
    public const string Restricted = "restricted";
    public const string UnknownApplication = "error-unknownApplication";
    public const string InvalidAppId = "error-invalidAppId";
    public const string InvalidVersion = "error-invalidVersion";
    public const string Internal = "error-internal";
}
