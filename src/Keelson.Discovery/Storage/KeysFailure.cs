namespace Keelson.Discovery.Storage;

/// <summary>A refused change: a v2 error code and its cause.</summary>
internal sealed record KeysFailure(int Code, string Cause);
