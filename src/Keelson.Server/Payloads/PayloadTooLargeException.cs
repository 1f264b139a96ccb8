namespace Keelson.Server.Payloads;

/// <summary>An upload went past the server's size limit.</summary>
public sealed class PayloadTooLargeException(long limit)
    : Exception($"the payload is larger than the server's limit of {limit} bytes")
{
    public long Limit => limit;
}
