using Keelson.Omaha;

namespace Keelson.Fuzz;

/// <summary>The agent's Omaha response reader, as the agent calls it on the server's answer.</summary>
internal sealed class OmahaResponseTarget : IFuzzTarget
{
    public string Name => "omaha-response";

    public string Description => "OmahaResponseReader.Read on a response body; OmahaFormatException is a refusal";

    public void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var response = OmahaResponseReader.Read(input);
            // What the caller does next walks every field and list it was given.
            _ = response.GetHashCode();
            _ = response.ToString();
        }
        catch (OmahaFormatException)
        {
        }
    }
}
