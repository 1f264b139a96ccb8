using System.Text.Json;
using System.Text.Json.Serialization;
using Keelson.Omaha;

namespace Keelson.Agent.State;

/// <summary>
/// Keeps <see cref="AgentState"/> in <c>DIR/state.json</c>, saved with <see cref="AtomicFile"/> so that a crash or
/// power cut leaves either the old state or the new, never a torn file.
/// </summary>
public sealed class AgentStateStore(string directory)
{
    private const int MaxBytes = 1 << 20;

    public string Directory => directory;

    public string StatePath => Path.Combine(directory, "state.json");

    /// <summary>Where the partial (or complete) payload is downloaded to.</summary>
    public string PayloadPath => Path.Combine(directory, "payload");

    /// <summary>The last status the agent published, for readers that cannot reach its socket.</summary>
    public string StatusPath => Path.Combine(directory, "status");

    /// <summary>The control socket.</summary>
    public string SocketPath => Path.Combine(directory, "agent.sock");

    public AgentState Load()
    {
        if (!File.Exists(StatePath))
        {
            return AgentState.Empty;
        }

        try
        {
            var bytes = File.ReadAllBytes(StatePath);
            if (bytes.Length > MaxBytes)
            {
                throw new UpdateEngineException($"{StatePath} is larger than {MaxBytes} bytes; it is not the agent's state", OmahaErrorCodes.StateUnreadable, isTransient: false);
            }

            return JsonSerializer.Deserialize(bytes, AgentStateJson.Default.AgentState)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new UpdateEngineException($"{StatePath} is not valid agent state ({e.Message}); move it away to start afresh", OmahaErrorCodes.StateUnreadable, isTransient: false, e);
        }
    }

    public void Save(AgentState state) =>
        AtomicFile.Write(StatePath, JsonSerializer.SerializeToUtf8Bytes(state, AgentStateJson.Default.AgentState));

    public void SaveStatus(string text) => AtomicFile.Write(StatusPath, System.Text.Encoding.UTF8.GetBytes(text));
}

// Every field must be present and nothing declared non-null may be null: a state file that says less is refused, not half-read.
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AgentState))]
internal sealed partial class AgentStateJson : JsonSerializerContext;
