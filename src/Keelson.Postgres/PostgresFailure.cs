using System.Net.Sockets;
using Npgsql;

namespace Keelson.Postgres;

/// <summary>Says why a PostgreSQL database could not be used, in one line an operator can act on.</summary>
public static class PostgresFailure
{
    /// <summary>
    /// True for failures that only the server or the network can cause (cannot connect, connection lost, the
    /// server shutting down), as opposed to a fault in the SQL.
    /// </summary>
    public static bool IsConnectionFailure(Exception exception) => exception switch
    {
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName
            or PostgresErrorCodes.ConnectionFailure or PostgresErrorCodes.TooManyConnections,
        NpgsqlException { IsTransient: true } => true,
        _ => false,
    };

    /// <summary>"cannot use PostgreSQL at host:port (database db): reason".</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception switch
        {
            PostgresException postgres => $"{postgres.MessageText} (SQLSTATE {postgres.SqlState})",
            NpgsqlException { InnerException: { } inner } => inner.Message,
            _ => exception.Message,
        };
        return $"cannot use PostgreSQL at {builder.Host}:{builder.Port} (database {builder.Database}, user {builder.Username ?? "(default)"}): {reason}";
    }
}
