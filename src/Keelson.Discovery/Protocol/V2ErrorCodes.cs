namespace Keelson.Discovery.Protocol;

/// <summary>The etcd v2 error codes the discovery service answers with, their messages and HTTP statuses.</summary>
internal static class V2ErrorCodes
{
    public const int KeyNotFound = 100;
    public const int NotFile = 102;

    /// <summary>From etcd 0.4, where the cluster size was enforced by the server; here: too many registrations.</summary>
    public const int NoMoreMembers = 103;
    public const int NodeExist = 105;
    public const int ValueRequired = 200;
    public const int IndexNaN = 203;
    public const int InvalidField = 209;
    public const int InvalidForm = 210;
    public const int RaftInternal = 300;
    public const int EventIndexCleared = 401;

    /// <summary>The message etcd gives for <paramref name="code"/>.</summary>
    public static string Message(int code) => code switch
    {
        KeyNotFound => "Key not found",
        NotFile => "Not a file",
        NoMoreMembers => "Reached the max number of members in the cluster",
        NodeExist => "Key already exists",
        ValueRequired => "Value is Required in POST form",
        IndexNaN => "The given index in POST form is not a number",
        InvalidField => "Invalid field",
        InvalidForm => "Invalid POST form",
        RaftInternal => "Raft Internal Error",
        EventIndexCleared => "The event in requested index is outdated and cleared",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not an error code the discovery service uses"),
    };

    /// <summary>The HTTP status etcd answers <paramref name="code"/> with.</summary>
    public static int Status(int code) => code switch
    {
        KeyNotFound => 404,
        NotFile or NoMoreMembers => 403,
        NodeExist => 412,
        RaftInternal => 500,
        _ => 400,
    };
}
