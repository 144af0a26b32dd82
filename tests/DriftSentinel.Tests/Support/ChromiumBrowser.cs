using Microsoft.Playwright;

namespace DriftSentinel.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright: one browser for a test class. Playwright cannot download its own
/// browsers here, so it always starts the installed one (DRIFTSENTINEL_CHROMIUM, else /usr/bin/chromium; test.sh
/// installs it with apt when missing).
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("DRIFTSENTINEL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException($"Chromium not found at {ExecutablePath}: apt-get install chromium (test.sh does), or set DRIFTSENTINEL_CHROMIUM", ExecutablePath);
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
