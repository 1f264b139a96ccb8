namespace Keelson.Discovery.Storage;

/// <summary>What the keys-API rules decided from a token's current state: make a change or refuse.</summary>
internal sealed record ChangeDecision(NodeChange? Change, KeysFailure? Failure)
{
    public static ChangeDecision Make(NodeChange change) => new(change, null);

    public static ChangeDecision Refuse(int code, string cause) => new(null, new KeysFailure(code, cause));
}
