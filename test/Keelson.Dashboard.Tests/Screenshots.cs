using Microsoft.Playwright;

namespace Keelson.Dashboard.Tests;

/// <summary>Full-page screenshots of the dashboard into the repository's docs/screenshots/, for the README.</summary>
internal static class Screenshots
{
    private static readonly Lazy<string> s_folder = new(FindFolder);

    public static async Task SaveAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(s_folder.Value, name + ".png"),
            FullPage = true,
            Animations = ScreenshotAnimations.Disabled,
        });
    }

    /// <summary>docs/screenshots beside Keelson.slnx, found by walking up from the test's output folder.</summary>
    private static string FindFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Keelson.slnx")))
            {
                return Directory.CreateDirectory(Path.Combine(directory.FullName, "docs", "screenshots")).FullName;
            }
        }

        throw new InvalidOperationException($"no Keelson.slnx above {AppContext.BaseDirectory}: where does the repository start?");
    }
}
