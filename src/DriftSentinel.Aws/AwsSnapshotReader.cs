using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Aws;

/// <summary>Reads DIR/aws/&lt;account-id&gt;/{iam,cloudtrail} of a snapshot folder.</summary>
public sealed class AwsSnapshotReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        var awsDir = Path.Combine(snapshotRoot, "aws");
        if (!Directory.Exists(awsDir))
        {
            input.Coverage.Missing("aws", "*", "no aws/ folder in the snapshot");
            return;
        }

        foreach (var accountDir in Directory.EnumerateDirectories(awsDir).Order(StringComparer.Ordinal))
        {
            var account = Path.GetFileName(accountDir);
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                input.Coverage.Failed("aws", account, 0, $"aws/{account}: folder name is not a 12-digit account id; skipped");
                continue;
            }

            var inv = input.Inventory.Aws(account);
            SnapshotFiles.Read(snapshotRoot, Path.Combine(accountDir, "iam", "authorization-details.json"), "aws.iam.authorization-details", account, input,
                (p, d) => { IamAuthorizationDetailsReader.Read(p, d, inv); return inv.Users.Count + inv.Roles.Count + inv.Groups.Count; });
            SnapshotFiles.Read(snapshotRoot, Path.Combine(accountDir, "iam", "credential-report.csv"), "aws.iam.credential-report", account, input,
                (p, d) => { CredentialReportReader.Read(p, d, inv); return inv.CredentialReport.Count; });

            var trailDir = Path.Combine(accountDir, "cloudtrail");
            if (Directory.Exists(trailDir))
            {
                var stream = new CloudTrailFolderStream(snapshotRoot, trailDir, account);
                input.InputsRead.AddRange(stream.Files().Concat(stream.IntegrityFiles()).Select(f => SnapshotFiles.Relative(snapshotRoot, f)));
                input.Streams.Add(stream);
            }
            else
            {
                input.Coverage.Missing("aws.cloudtrail", account, $"aws/{account}/cloudtrail not in the snapshot");
            }
        }
    }
}
