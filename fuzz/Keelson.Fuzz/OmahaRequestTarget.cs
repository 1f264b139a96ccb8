using Keelson.Omaha;

namespace Keelson.Fuzz;

/// <summary>The server's Omaha request reader, as the update endpoint calls it on a POST body.</summary>
internal sealed class OmahaRequestTarget : IFuzzTarget
{
    public string Name => "omaha-request";

    public string Description => "OmahaRequestReader.Read on a request body; OmahaFormatException is a refusal";

    public void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var request = OmahaRequestReader.Read(input);
            // What the caller does next walks every field and list it was given.
            _ = request.GetHashCode();
            _ = request.ToString();
        }
        catch (OmahaFormatException)
        {
        }
    }
}
