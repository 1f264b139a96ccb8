namespace Keelson.Dashboard.Tests;

/// <summary>
/// The dashboard tests share one browser and run one after the other: each starts its own server and a browser
/// page, and two machine cores are better spent on one test at a time than on timeouts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Dashboard";
}
