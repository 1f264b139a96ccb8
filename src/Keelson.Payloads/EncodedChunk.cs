namespace Keelson.Payloads;

/// <summary>
/// A chunk of the new image and its operations. <see cref="Frames"/> holds the Data operations' frames back to
/// back (their <see cref="PayloadOperation.DataOffset"/> counts from its start). Both arrays are pooled buffers.
/// </summary>
internal sealed record EncodedChunk(byte[] Input, int InputLength, List<PayloadOperation> Operations, byte[]? Frames, int FramesLength);
