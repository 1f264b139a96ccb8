using System.Buffers;
using Keelson.Limits;
using Keelson.Omaha;
using Keelson.Server.Metrics;
using Keelson.Server.Trust;
using Keelson.Server.Updates;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Api;

/// <summary><c>POST /v1/update/</c>: the Omaha endpoint machines check in at.</summary>
internal static class OmahaEndpoint
{
    public static async Task HandleAsync(
        HttpContext context, UpdateService updates, MachineTrust trust, ServerMetrics metrics, NewMachineLimit newMachines, LimitRefusals refusals)
    {
        var request = context.Request;
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        if (request.ContentLength > OmahaRequestReader.MaxRequestBytes)
        {
            metrics.Checked(CheckOutcomes.Refused);
            await RefuseAsync(response, StatusCodes.Status413PayloadTooLarge,
                $"the request is {request.ContentLength} bytes; the limit is {OmahaRequestReader.MaxRequestBytes}", cancellationToken);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(OmahaRequestReader.MaxRequestBytes + 1);
        try
        {
            var length = await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, OmahaRequestReader.MaxRequestBytes + 1),
                OmahaRequestReader.MaxRequestBytes + 1, throwOnEndOfStream: false, cancellationToken);
            if (length > OmahaRequestReader.MaxRequestBytes)
            {
                metrics.Checked(CheckOutcomes.Refused);
                await RefuseAsync(response, StatusCodes.Status413PayloadTooLarge,
                    $"the request is larger than {OmahaRequestReader.MaxRequestBytes} bytes", cancellationToken);
                return;
            }

            CheckAnswer answer;
            try
            {
                var omahaRequest = OmahaRequestReader.Read(buffer.AsSpan(0, length));
                metrics.Received(omahaRequest);
                var caller = await trust.IdentifyAsync(context, cancellationToken);
                answer = await updates.HandleAsync(omahaRequest, SourceAddress.Of(context), caller, cancellationToken);
            }
            catch (Exception e) when (e is not (OmahaFormatException or OperationCanceledException))
            {
                // Counted, then answered 500 by the exception handler.
                metrics.Checked(CheckOutcomes.Error);
                throw;
            }
            catch (OmahaFormatException e)
            {
                metrics.Checked(CheckOutcomes.Refused);
                await RefuseAsync(response, StatusCodes.Status400BadRequest, e.Message, cancellationToken);
                return;
            }

            if (answer.Response is not { } omahaResponse)
            {
                await refusals.RefuseAsync(context, newMachines.Limit.Name, newMachines.Limit.Describe(), answer.RetryAfter);
                return;
            }

            response.ContentType = "text/xml; charset=utf-8";
            OmahaResponseWriter.Write(omahaResponse, response.BodyWriter);
            await response.BodyWriter.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task RefuseAsync(HttpResponse response, int status, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n", cancellationToken);
    }
}
