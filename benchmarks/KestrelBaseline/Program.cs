// The baseline the Omaha check is measured against: Kestrel answering "Hello" and echoing a POST body,
// configured like `keelson server` (slim builder, warnings-only logging).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.MapGet("/hello", () => "Hello");
app.MapPost("/echo", async (HttpContext context) =>
{
    context.Response.ContentType = "text/xml";
    await context.Request.Body.CopyToAsync(context.Response.Body);
});
await app.RunAsync();
