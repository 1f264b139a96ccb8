namespace Keelson.Payloads;

/// <summary>
/// One operation's output, checked against the manifest, on its way to the consumer. <see cref="Output"/> holds
/// the operation's bytes (<see langword="null"/> for zeros, and for copies when there is no source to read);
/// it is a pooled buffer that the data stream takes back once the consumer returns.
/// </summary>
internal sealed record DataChunk(int Index, PayloadOperation Operation, byte[]? Output);
