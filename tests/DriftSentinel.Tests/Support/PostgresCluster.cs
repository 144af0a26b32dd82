using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DriftSentinel.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, started on a free 127.0.0.1 port,
/// stopped and deleted afterwards. Uses DRIFTSENTINEL_TEST_POSTGRES instead when it is set. PostgreSQL must be
/// installed (.ci/run installs it); the tests fail rather than skip without it.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string? _folder;
    private readonly string? _bin;
    private readonly string _server;

    public PostgresCluster()
    {
        if (Environment.GetEnvironmentVariable("DRIFTSENTINEL_TEST_POSTGRES") is { Length: > 0 } given)
        {
            _server = given;
            return;
        }

        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        if (_bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); run .ci/run, or apt-get install postgresql, or set DRIFTSENTINEL_TEST_POSTGRES");
        }

        _folder = Path.Combine(Path.GetTempPath(), "ds-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_folder);
        var root = Environment.UserName == "root";
        if (root)
        {
            Run("chown", "postgres", _folder);
        }

        var port = FreePort();
        AsOwner(root, $"{_bin}/initdb -D {_folder}/data -A trust -U postgres --no-sync");
        AsOwner(root, $"{_bin}/pg_ctl -D {_folder}/data -l {_folder}/log -w -o \"-p {port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start");
        _server = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";
    }

    /// <summary>A new, empty database on the cluster, so tests do not see each other's rows.</summary>
    public string NewDatabase()
    {
        var name = "ds_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(_server))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {name}";
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(_server) { Database = name }.ConnectionString;
    }

    public void Dispose()
    {
        if (_folder is not null && _bin is not null)
        {
            AsOwner(Environment.UserName == "root", $"{_bin}/pg_ctl -D {_folder}/data -m immediate stop");
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AsOwner(bool root, string command)
    {
        if (root)
        {
            Run("su", "postgres", "-s", "/bin/sh", "-c", command);
        }
        else
        {
            Run("/bin/sh", "-c", command);
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        // No redirection: the postmaster that pg_ctl starts would inherit the pipes and keep them open.
        var start = new ProcessStartInfo(file);
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed with exit code {process.ExitCode} (see the test output and the cluster's log file)");
        }
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
}
