using System.Data.Common;
using Dapper;

namespace Keelson.Server.Storage;

/// <summary>Reads of the applications table.</summary>
public static class ApplicationTable
{
    public static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, string appId) =>
        await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM applications WHERE id = @appId", new { appId }, transaction) > 0;
}
