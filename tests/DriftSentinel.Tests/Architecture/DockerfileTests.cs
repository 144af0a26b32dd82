using System.Text.Json;
using System.Text.RegularExpressions;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Architecture;

/// <summary>No Docker engine here: these check the Dockerfile against what the build produces.</summary>
public partial class DockerfileTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "Dockerfile"));

    [GeneratedRegex(@"^FROM\s+mcr\.microsoft\.com/dotnet/(?<kind>[a-z-]+):(?<major>\d+)\.\d+\S*(\s+AS\s+\S+)?\s*$", RegexOptions.Multiline)]
    private static partial Regex From();

    [Fact]
    public void The_runtime_image_provides_every_framework_the_executable_needs()
    {
        var final = From().Matches(Dockerfile).Last();
        var kind = final.Groups["kind"].Value;
        var major = final.Groups["major"].Value;

        var config = Path.Combine(AppContext.BaseDirectory, "driftsentinel.runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(config));
        var frameworks = doc.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString()!, Major: f.GetProperty("version").GetString()!.Split('.')[0])).ToList();
        Assert.NotEmpty(frameworks);

        // What each official image carries: runtime = Microsoft.NETCore.App; aspnet = that and Microsoft.AspNetCore.App.
        var provided = kind switch
        {
            "runtime" => new[] { "Microsoft.NETCore.App" },
            "aspnet" => ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
            "sdk" => ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App", "Microsoft.WindowsDesktop.App"],
            _ => [],
        };
        Assert.All(frameworks, f =>
        {
            Assert.True(provided.Contains(f.Name), $"the runtime stage uses the '{kind}' image, which lacks {f.Name} that driftsentinel needs");
            Assert.Equal(f.Major, major);
        });
    }

    [Fact]
    public void The_image_exposes_the_worker_port_checks_its_health_and_ignores_build_output()
    {
        Assert.Matches(@"(?m)^EXPOSE 5080\s*$", Dockerfile);
        Assert.Matches(@"(?m)^HEALTHCHECK .*CMD \[""driftsentinel"", ""health""\]\s*$", Dockerfile);
        var ignore = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, ".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
    }

    [Fact]
    public void The_health_command_fails_when_no_worker_answers()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a port nobody listens on now

        var stderr = new StringWriter();
        Assert.Equal(2, DriftSentinel.Worker.HealthProbe.Run($"http://127.0.0.1:{port}/health", TextWriter.Null, stderr));
        Assert.StartsWith("error: ", stderr.ToString(), StringComparison.Ordinal);
    }
}
