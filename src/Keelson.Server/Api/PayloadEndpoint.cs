using Dapper;
using Keelson.Server.Payloads;
using Keelson.Server.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Keelson.Server.Api;

/// <summary>Serves hosted payloads with Range (206/416), ETag and Last-Modified, so downloads resume.</summary>
internal static class PayloadEndpoint
{
    public static async Task<IResult> HandleAsync(string packageId, string fileName, Database database, PayloadStore payloads, CancellationToken cancellationToken)
    {
        var package = await database.ReadAsync(
            connection => connection.QuerySingleOrDefaultAsync<PackageRow>("SELECT * FROM packages WHERE id = @packageId", new { packageId }),
            cancellationToken);
        if (package is null || package.ExternalUrl is not null || package.FileName != fileName)
        {
            return Results.NotFound();
        }

        return TypedResults.PhysicalFile(
            payloads.PathOf(package.Id),
            "application/octet-stream",
            lastModified: DateTimeOffset.FromUnixTimeMilliseconds(package.CreatedAt),
            entityTag: new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(Convert.FromBase64String(package.Sha256))}\""),
            enableRangeProcessing: true);
    }
}
