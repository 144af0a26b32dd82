using System.Text.Json;
using DriftSentinel.Aws.Collection.Http;

namespace DriftSentinel.Aws.Collection.Organizations;

/// <summary>An account of the organization (ListAccounts).</summary>
internal sealed record OrganizationAccount(string Id, string? Name, string? Status);

/// <summary>One page of ListAccounts.</summary>
internal sealed record ListAccountsResponse(IReadOnlyList<OrganizationAccount> Accounts, string? NextToken);

/// <summary>The Organizations call the collector makes, shaped like AWSSDK.Organizations' client.</summary>
internal interface IOrganizationsClient
{
    Task<ListAccountsResponse> ListAccountsAsync(string? nextToken, CancellationToken cancellationToken);
}

/// <summary>Organizations over JSON 1.1 (X-Amz-Target AWSOrganizationsV20161128.*), SigV4 service "organizations".</summary>
internal sealed class OrganizationsJsonClient(AwsHttpClient http, ServiceTarget target) : IOrganizationsClient
{
    private sealed record ListAccountsRequest(string? NextToken, int MaxResults);

    public async Task<ListAccountsResponse> ListAccountsAsync(string? nextToken, CancellationToken cancellationToken)
    {
        using var doc = await http.JsonAsync(target, "AWSOrganizationsV20161128.ListAccounts", new ListAccountsRequest(nextToken, 20), cancellationToken).ConfigureAwait(false);
        var accounts = new List<OrganizationAccount>();
        if (doc.RootElement.TryGetProperty("Accounts", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in list.EnumerateArray())
            {
                if (a.TryGetProperty("Id", out var id) && id.GetString() is { } accountId)
                {
                    // Organizations added "State" (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED...) beside the older "Status".
                    var state = a.TryGetProperty("State", out var st) ? st.GetString() : a.TryGetProperty("Status", out var s) ? s.GetString() : null;
                    accounts.Add(new OrganizationAccount(accountId, a.TryGetProperty("Name", out var n) ? n.GetString() : null, state));
                }
            }
        }

        var next = doc.RootElement.TryGetProperty("NextToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return new ListAccountsResponse(accounts, next);
    }
}
