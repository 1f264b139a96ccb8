namespace Keelson.Discovery.Protocol;

/// <summary>
/// What one keys-API request answers: a response or an error, or neither (a watch that timed out: an empty 200).
/// <see cref="Index"/> goes into <c>X-Etcd-Index</c>: the token's current index, 0 when there is no such token.
/// </summary>
internal sealed record KeysResult(int Status, V2Response? Response, V2Error? Error, long Index)
{
    public static KeysResult Ok(V2Response response, long index, int status = 200) => new(status, response, null, index);

    public static KeysResult Fail(int code, string cause, long index) =>
        new(V2ErrorCodes.Status(code), null, new V2Error(code, V2ErrorCodes.Message(code), cause, index), index);

    /// <summary>A long poll that saw no change in time: the member asks again.</summary>
    public static KeysResult Empty(long index) => new(200, null, null, index);
}
