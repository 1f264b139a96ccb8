using Keelson.Coordination.Locks;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// The server side of FleetLock, free of any web framework: validates a request and runs it against a store,
/// answering with a status and a JSON error body as values. Both the update server and the stateless etcd-backed
/// server host it.
/// </summary>
/// <remarks>
/// Answers: 200 when the slot is held (also when it was already) or released (also when none was held);
/// 400 <c>invalid_client_identity</c> for a bad header, body, id or group; 403 <c>untrusted_client</c> for a sender
/// that may not act for the machine it names; 409 <c>failed_lock_semaphore_full</c> when every slot is held; 429
/// <c>limit_reached</c> when the store keeps no more groups; 503 <c>lock_store_failed</c> when the store failed.
/// </remarks>
public sealed class FleetLockService(IFleetLockStore store)
{
    private readonly IFleetLockStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>
    /// Handles one request as received: the <c>fleet-lock-protocol</c> header's value (null when absent) and the body.
    /// Nothing is changed unless the request is valid and <paramref name="refusal"/> (given the machine id the request
    /// names) finds no reason why its sender may not act for that machine.
    /// </summary>
    public Task<FleetLockResponse> HandleAsync(
        FleetLockOperation operation, string? protocolHeader, ReadOnlyMemory<byte> body, Func<string, string?>? refusal, CancellationToken cancellationToken)
    {
        if (!FleetLockRequest.TryParse(protocolHeader, body, out var request, out var error))
        {
            return Task.FromResult(FleetLockResponse.Failure(FleetLockResponse.BadRequest, error));
        }

        if (refusal?.Invoke(request.Id) is { } reason)
        {
            return Task.FromResult(FleetLockResponse.Failure(FleetLockResponse.Forbidden, new FleetLockError(FleetLockErrorKinds.UntrustedClient, reason)));
        }

        return ExecuteAsync(operation, request, cancellationToken);
    }

    /// <summary>Runs a validated request against the store.</summary>
    public async Task<FleetLockResponse> ExecuteAsync(FleetLockOperation operation, FleetLockRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            switch (operation)
            {
                case FleetLockOperation.PreReboot:
                    var outcome = await _store.LockAsync(request.Group, request.Id, cancellationToken);
                    if (outcome.LimitReached)
                    {
                        return FleetLockResponse.Failure(FleetLockResponse.TooManyRequests, new FleetLockError(FleetLockErrorKinds.LimitReached, outcome.Detail));
                    }

                    return outcome.Acquired
                        ? FleetLockResponse.Success(
                            outcome.AlreadyHeld
                                ? $"'{request.Id}' still holds its reboot slot of group '{request.Group}'"
                                : $"'{request.Id}' took a reboot slot of group '{request.Group}'",
                            changed: !outcome.AlreadyHeld)
                        : FleetLockResponse.Failure(FleetLockResponse.Conflict, new FleetLockError(
                            FleetLockErrorKinds.SemaphoreFull,
                            outcome.Detail.Length > 0 ? outcome.Detail : $"every reboot slot of group '{request.Group}' is held"));

                case FleetLockOperation.SteadyState:
                    var released = await _store.UnlockAsync(request.Group, request.Id, cancellationToken);
                    return FleetLockResponse.Success(
                        released
                            ? $"'{request.Id}' released its reboot slot of group '{request.Group}'"
                            : $"'{request.Id}' held no reboot slot of group '{request.Group}'",
                        changed: released);

                default:
                    throw new ArgumentOutOfRangeException(nameof(operation), operation, "not a FleetLock operation");
            }
        }
        catch (RebootLockException e)
        {
            return FleetLockResponse.Failure(FleetLockResponse.ServiceUnavailable, new FleetLockError(FleetLockErrorKinds.StoreFailed, e.Message));
        }
    }
}
