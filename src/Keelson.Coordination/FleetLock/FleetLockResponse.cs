namespace Keelson.Coordination.FleetLock;

/// <summary>
/// What a FleetLock server answers, as values: the HTTP status, and on failure the JSON error body. 200 (with an
/// empty body) is the only success. <see cref="Summary"/> says what happened, for the server's log;
/// <see cref="Changed"/> tells a slot taken or released from a request that found things as they were.
/// </summary>
public sealed record FleetLockResponse(int StatusCode, FleetLockError? Error, string Summary, bool Changed = false)
{
    public const int Ok = 200;
    public const int BadRequest = 400;
    public const int Forbidden = 403;
    public const int Conflict = 409;
    public const int TooManyRequests = 429;
    public const int InternalServerError = 500;
    public const int ServiceUnavailable = 503;

    public bool IsSuccess => StatusCode == Ok;

    /// <summary>The JSON body: the error, or null for a success (which has no body).</summary>
    public string? Body => Error?.ToJson();

    public static FleetLockResponse Success(string summary, bool changed) => new(Ok, null, summary, changed);

    public static FleetLockResponse Failure(int statusCode, FleetLockError error) => new(statusCode, error, error.Value);

    /// <summary>A 500 for a failure the server did not foresee; the details belong in its log, not in the answer.</summary>
    public static FleetLockResponse Unexpected() =>
        Failure(InternalServerError, new FleetLockError(FleetLockErrorKinds.GenericError, "the FleetLock server failed unexpectedly; its log says why"));
}
