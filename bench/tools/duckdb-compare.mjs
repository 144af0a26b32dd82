// Answers the scan's main questions with DuckDB over the same CloudTrail folder, for issue 15's comparison:
// events, distinct principals, console-login groups without MFA (DS-ACC-003's shape), writes by deploy roles.
// Usage: node duckdb-compare.mjs FOLDER [threads]   (run through duckdb-compare.sh, which installs the package)
import { DuckDBInstance } from '@duckdb/node-api';

const folder = process.argv[2];
const threads = process.argv[3] ?? '2';
const instance = await DuckDBInstance.create(':memory:', { threads });
const db = await instance.connect();
const started = performance.now();
// A declared schema: only the fields the questions need, as DriftSentinel's reader takes only what its rules need.
await db.run(`CREATE VIEW events AS SELECT unnest(Records, max_depth := 2) FROM read_json('${folder}/**/*.json.gz',
  columns = {Records: 'STRUCT(eventTime VARCHAR, eventName VARCHAR, eventSource VARCHAR, recipientAccountId VARCHAR,
    readOnly BOOLEAN, userIdentity STRUCT("type" VARCHAR, arn VARCHAR, accessKeyId VARCHAR),
    additionalEventData STRUCT("MFAUsed" VARCHAR))[]'}, maximum_object_size = 1073741824)`);
const rows = async sql => (await db.runAndReadAll(sql)).getRows();
const [[events, principals]] = await rows(`SELECT count(*), count(DISTINCT userIdentity.arn) FROM events`);
const [[noMfa]] = await rows(`SELECT count(*) FROM (SELECT recipientAccountId, userIdentity.arn FROM events
  WHERE eventName = 'ConsoleLogin' AND additionalEventData.MFAUsed = 'No' GROUP BY ALL)`);
const [[deploys]] = await rows(`SELECT count(*) FROM events WHERE readOnly = false AND userIdentity.arn LIKE '%assumed-role/github-deploy/%'`);
const seconds = (performance.now() - started) / 1000;
console.log(`duckdb (${threads} threads): ${events} events, ${principals} principals, ${noMfa} no-MFA login groups, ${deploys} deploy-role writes in ${seconds.toFixed(2)} s (${Math.round(Number(events) / seconds).toLocaleString('en')} events/s), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
