namespace Keelson.Payloads;

/// <summary>How far an operation on an image has come: bytes of the image done out of its size.</summary>
public readonly record struct PayloadProgress(long BytesDone, long BytesTotal);
