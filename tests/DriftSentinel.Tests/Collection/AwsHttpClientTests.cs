using System.Net;
using Amazon.Runtime;
using DriftSentinel.Aws.Collection.CloudTrail;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Iam;
using DriftSentinel.Core.Collection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DriftSentinel.Tests.Collection;

public sealed class AwsHttpClientTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly CollectionMetrics _metrics = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public void Signs_the_documented_iam_example_to_the_documented_signature()
    {
        // The worked example of AWS's "Create a signed AWS API request" (IAM ListUsers, 2015-08-30T12:36:00Z).
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08");
        request.Content = new ByteArrayContent([]);
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

        AwsRequestSigner.Sign(request, [], credentials, "iam", "us-east-1", new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            string.Join(',', request.Headers.GetValues("Authorization")));
    }

    [Fact]
    public async Task Honours_retry_after_on_a_429_and_then_succeeds()
    {
        _server.Given(Request.Create().WithPath("/").UsingPost()).InScenario("limit").WillSetStateTo("retried")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithHeader("Content-Type", "application/x-amz-json-1.1")
                .WithBody("""{"__type":"com.amazonaws.cloudtrail.v20131101#ThrottlingException","message":"Rate exceeded"}"""));
        _server.Given(Request.Create().WithPath("/").UsingPost()).InScenario("limit").WhenStateIs("retried")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-amz-json-1.1")
                .WithBody("""{"Events":[{"EventId":"e1","EventName":"ConsoleLogin","EventTime":1.7634528E9,"CloudTrailEvent":"{}"}]}"""));

        var page = await CloudTrail().LookupEventsAsync(new LookupEventsRequest { MaxResults = 50 }, CancellationToken.None);

        Assert.Equal("e1", Assert.Single(page.Events).EventId);
        var times = _server.LogEntries.Select(e => e.RequestMessage.DateTime).Order().ToList();
        Assert.Equal(2, times.Count);
        Assert.True((times[1] - times[0]).TotalMilliseconds >= 950, $"retried after {(times[1] - times[0]).TotalMilliseconds:F0} ms");
        Assert.Equal(1, _metrics.Throttles);
    }

    [Fact]
    public async Task Surfaces_a_permanent_error_at_once_with_the_services_code_and_message()
    {
        _server.Given(Request.Create().WithPath("/").UsingPost()).RespondWith(Response.Create().WithStatusCode(403).WithHeader("Content-Type", "text/xml")
            .WithBody("""<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::111122223333:assumed-role/DriftSentinelReadOnly/DriftSentinel is not authorized to perform: iam:GetAccountAuthorizationDetails</Message></Error><RequestId>4f0e5f2c-0000-4000-8000-000000000000</RequestId></ErrorResponse>"""));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => Iam().GetAccountAuthorizationDetailsAsync(new GetAccountAuthorizationDetailsRequest(), CancellationToken.None));

        Assert.Equal("AccessDenied", e.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, e.Status);
        Assert.Contains("iam:GetAccountAuthorizationDetails", e.Message, StringComparison.Ordinal);
        Assert.Equal("4f0e5f2c-0000-4000-8000-000000000000", e.RequestId);
        Assert.Single(_server.LogEntries);
    }

    [Fact]
    public async Task Retries_server_errors_until_the_attempts_run_out()
    {
        _server.Given(Request.Create().WithPath("/").UsingPost()).RespondWith(Response.Create().WithStatusCode(500).WithHeader("Content-Type", "text/xml")
            .WithBody("""<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>Request processing has failed due to some unknown error.</Message></Error></ErrorResponse>"""));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => Iam(maxAttempts: 3).GenerateCredentialReportAsync(CancellationToken.None));

        Assert.Equal("ServiceFailure", e.ErrorCode);
        Assert.Equal(3, _server.LogEntries.Count);
        Assert.Equal(2, _metrics.TransientFaults);
    }

    [Fact]
    public async Task Stops_retrying_when_the_collections_retry_budget_is_spent()
    {
        _server.Given(Request.Create().WithPath("/").UsingPost()).RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "text/xml")
            .WithBody("""<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"""));
        var iam = Iam(maxAttempts: 10, budget: 3);

        await Assert.ThrowsAsync<AwsServiceException>(() => iam.GenerateCredentialReportAsync(CancellationToken.None));
        await Assert.ThrowsAsync<AwsServiceException>(() => iam.GenerateCredentialReportAsync(CancellationToken.None));

        Assert.Equal(3 + 1 + 1, _server.LogEntries.Count); // 1 + 3 retries, then the budget is gone: 1 attempt
    }

    [Fact]
    public async Task Reads_the_query_protocols_lists_dates_and_url_encoded_documents()
    {
        _server.Given(Request.Create().WithPath("/").UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/xml").WithBody("""
            <GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
              <GetAccountAuthorizationDetailsResult>
                <IsTruncated>true</IsTruncated>
                <UserDetailList>
                  <member>
                    <GroupList><member>Admins</member></GroupList>
                    <AttachedManagedPolicies/>
                    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
                    <Path>/</Path>
                    <UserName>Alice</UserName>
                    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
                    <CreateDate>2013-10-14T18:32:24Z</CreateDate>
                  </member>
                </UserDetailList>
                <Marker>EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl/eeaCX3Jo94/bKqezEAg8TEVS99EKFLxm3jtbpl25FDWEXAMPLE</Marker>
                <GroupDetailList/>
                <RoleDetailList>
                  <member>
                    <RoleName>EC2role</RoleName>
                    <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>
                    <RoleLastUsed><LastUsedDate>2019-11-20T17:09:20Z</LastUsedDate><Region>us-east-1</Region></RoleLastUsed>
                  </member>
                </RoleDetailList>
                <Policies/>
              </GetAccountAuthorizationDetailsResult>
              <ResponseMetadata><RequestId>92e79ae7-7399-11e4-8c85-4b53eEXAMPLE</RequestId></ResponseMetadata>
            </GetAccountAuthorizationDetailsResponse>
            """));

        var page = await Iam().GetAccountAuthorizationDetailsAsync(new GetAccountAuthorizationDetailsRequest { MaxItems = 1 }, CancellationToken.None);

        Assert.True(page.IsTruncated);
        Assert.StartsWith("EXAMPLEkakv9", page.Marker, StringComparison.Ordinal);
        var user = Assert.Single(page.UserDetailList);
        Assert.Equal(["Admins"], user.GroupList);
        Assert.Equal(new DateTime(2013, 10, 14, 18, 32, 24, DateTimeKind.Utc), user.CreateDate);
        var role = Assert.Single(page.RoleDetailList);
        Assert.Equal("us-east-1", role.RoleLastUsed!.Region);
        Assert.Contains("%22Service%22", role.AssumeRolePolicyDocument, StringComparison.Ordinal);
        var body = _server.LogEntries.Single().RequestMessage.Body!;
        Assert.Equal("Action=GetAccountAuthorizationDetails&Version=2010-05-08&MaxItems=1", body);
    }

    private IamQueryClient Iam(int maxAttempts = 4, int budget = 100) =>
        new(Http(maxAttempts, budget), new ServiceTarget(new Uri(_server.Url!), "iam", "us-east-1", new BasicAWSCredentials("AKIDEXAMPLE", "secret")));

    private CloudTrailJsonClient CloudTrail() =>
        new(Http(4, 100), new ServiceTarget(new Uri(_server.Url!), "cloudtrail", "eu-west-1", new BasicAWSCredentials("AKIDEXAMPLE", "secret")));

    private AwsHttpClient Http(int maxAttempts, int budget) =>
        new(new HttpClient(), new AwsRetryPolicy(new RetrySettings { MaxAttempts = maxAttempts, Budget = budget, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromSeconds(2) }, _metrics, TimeProvider.System), TimeProvider.System);
}
