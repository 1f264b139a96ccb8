using Keelson.Omaha;

namespace Keelson.Agent.Engine;

/// <summary>A failure as the engine reports it: an update_engine-style code (never 0, see <see cref="OmahaErrorCodes"/>) and what happened.</summary>
public sealed record EngineFailure
{
    public EngineFailure(long code, string message)
    {
        if (code == OmahaErrorCodes.Success)
        {
            throw new ArgumentOutOfRangeException(nameof(code), "a failure is never reported with the success code 0");
        }

        ArgumentException.ThrowIfNullOrEmpty(message);
        Code = code;
        Message = message;
    }

    public long Code { get; }

    public string Message { get; }

    public static EngineFailure From(UpdateEngineException exception, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(exception.ErrorCode == OmahaErrorCodes.Success ? OmahaErrorCodes.Error : exception.ErrorCode, prefix + exception.Message);
    }
}
