namespace Keelson.Discovery.Protocol;

/// <summary>
/// A keys-API error: <c>{"errorCode":100,"message":"Key not found","cause":"/TOKEN","index":N}</c>. etcd members
/// read <c>errorCode</c>; anything that is not this JSON makes them fail with "invalid json".
/// </summary>
internal sealed record V2Error(int ErrorCode, string Message, string Cause, long Index);
