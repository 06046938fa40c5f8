// Alert rehearsal of the other seeds' shape (seed 004: two bots with heartbeats, a Redis primary
// with a standby replica, 512mb maxmemory; every receiver type the seeds use), with tuned
// thresholds and Debian's node-exporter reading this machine. Time runs 15x faster. It proves the
// configured thresholds (just above fires, just below does not), that every dashboard panel has
// data, that every receiver type delivers, that a config change applied by reload leaves no gap,
// and that Prometheus keeps its history across a restart.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { dashboardQueries, expandQuery, labelValuesQuery, rateIntervalMs, regexEscape, vectorSelectors } from "../../rehearsal/dashboardQueries";
import { knownMetricNames } from "../monitoringMetrics";
import { allServiceSpecs, prometheusRemoteQueueMetrics } from "../../model/services";
import { remoteWriteTargets } from "../../render/remoteWrite";
import { backupMetrics } from "../../model/dataSafety";
import { prometheusConfigFile } from "../../render/prometheus";
import { metricsNewerThanDebian } from "../../rehearsal/skew";
import { receiverTypes } from "../../model/receivers";
import { fakeSecrets } from "../../rehearsal/fakes";
import { httpGet, waitFor, type Rehearsal } from "../../rehearsal/harness";
import type { Sample } from "../../rehearsal/prometheusApi";
import { notifyDeadline, pagedResolveDeadline, pagingDeadline, rehearsalForFile, telegram, text } from "../rehearsalSupport";

const timeScale = 15;
/** Tuned away from the defaults, so a pass proves the configured values are the ones used. */
const thresholds = { appLatencyP95WarningSeconds: 1.5, appLatencyP95CriticalSeconds: 4, appErrorRatePercent: 3 };
/** How far from each threshold the two bots sit. */
const margin = 0.05;
const below = "equity-bot";
const above = "crypto-bot";
const smtpPassword = "rehearsal-smtp-password";

const running = rehearsalForFile({
    stack: "staging",
    timeScale,
    hostMetrics: "node-exporter",
    log: (line) => console.log(line),
    overrides: {
        apps: [{ job: below, targets: ["equity-bot:9200"] }, { job: above, targets: ["crypto-bot:9201"] }],
        redis: [{ name: "primary", address: "redis-primary:6379" }, { name: "standby", address: "redis-standby:6379" }],
        receivers: [
            { ...fakeSecrets.telegram, severities: ["critical", "warning"] },
            { ...fakeSecrets.pagerduty, severities: ["critical"] },
            { name: "discord", type: "discord", webhookUrl: "http://127.0.0.1:1/discord", severities: ["critical"] },
            { name: "slack", type: "slack", webhookUrl: "http://127.0.0.1:1/slack", channel: "#alerts", severities: ["critical"] },
            { name: "hook", type: "webhook", url: "http://127.0.0.1:1/hook", severities: ["critical"] },
            { name: "genie", type: "opsgenie", apiKey: "rehearsal-api-key", severities: ["critical"] },
            { name: "mail", type: "email", to: "ops@example.test", from: "alertmanager@example.test", smarthost: "smtp.example.test:587",
                authUsername: "alertmanager", authPassword: smtpPassword, severities: ["critical"] },
        ],
        deadMansSwitchUrl: fakeSecrets.deadMansSwitchUrl,
        alertThresholds: thresholds,
    },
    redisServers: { primary: { maxmemory: "512mb" }, standby: { maxmemory: "512mb", replicaOf: "primary" } },
    setUpApps: (apps) => {
        // From the first scrape on, so the 5m rate windows hold nothing else.
        for (const [job, factor] of [[below, 1 - margin], [above, 1 + margin]] as const) {
            apps.get(job)?.setLatency(thresholds.appLatencyP95WarningSeconds * factor);
            apps.get(job)?.setErrorRatio(thresholds.appErrorRatePercent / 100 * factor);
        }
    },
});
const startedAt = Date.now();

const secondsSince = (ms: number): number => Math.ceil((Date.now() - ms) / 1000);
const finite = (samples: readonly Sample[]): boolean => samples.some((s) => s.values.some(([, v]) => Number.isFinite(v)));

async function value(r: Rehearsal, expr: string): Promise<number> {
    const [sample] = await r.prometheus.query(expr);
    assert.ok(sample, `${expr} returned nothing`);
    return sample.values[0][1];
}

test("rehearsal: latency and error-rate alerts fire just above the configured thresholds and never just below", async (t) => {
    const r = running(t);
    if (!r) return;
    const firing = async (job: string) => (await r.prometheus.alerts()).filter((a) => a.labels.job === job && a.state === "firing");
    await waitFor(async () => {
        const names = (await firing(above)).map((a) => `${a.labels.alertname}/${a.labels.severity}`);
        return names.includes("AppLatencyHigh/warning") && names.includes("AppErrorRateHigh/warning");
    }, notifyDeadline(r, "5m") + 30_000, `AppLatencyHigh and AppErrorRateHigh to fire for ${above}`);
    await waitFor(() => ["AppLatencyHigh", "AppErrorRateHigh"].every((a) => telegram(r, a, "Firing").some((m) => text(m).includes(`job = ${above}`))),
        notifyDeadline(r, "0s"), "both on telegram");

    // What Prometheus computed sits where it was put: within a hair of margin around each threshold.
    const p95 = (job: string) => value(r, `job:http_request_duration_seconds:p95_rate5m{job="${job}"}`);
    const errorPercent = async (job: string) => 100 * await value(r, `job:http_requests_errors:ratio_rate5m{job="${job}"}`);
    for (const [job, factor] of [[below, 1 - margin], [above, 1 + margin]] as const) {
        assert.ok(Math.abs(await p95(job) / (thresholds.appLatencyP95WarningSeconds * factor) - 1) < 0.01, `p95 of ${job} is ${factor} × the warning threshold`);
        assert.ok(Math.abs(await errorPercent(job) / (thresholds.appErrorRatePercent * factor) - 1) < 0.01, `error ratio of ${job} is ${factor} × the threshold`);
    }
    // The bot just below had the same time and never even went pending; the one above never crossed the critical threshold.
    const history = await r.prometheus.query(`ALERTS{alertname=~"AppLatencyHigh|AppErrorRateHigh",job="${below}"}[${secondsSince(startedAt)}s]`);
    assert.deepEqual(history.map((s) => s.labels), [], `no latency or error alert for ${below} at ${1 - margin} × the thresholds`);
    const critical = await r.prometheus.query(`ALERTS{alertname="AppLatencyHigh",severity="critical"}[${secondsSince(startedAt)}s]`);
    assert.deepEqual(critical.map((s) => s.labels), [], "no critical AppLatencyHigh below its threshold");
    assert.equal(telegram(r, "AppLatencyHigh", "Firing").filter((m) => text(m).includes(`job = ${below}`)).length, 0);
});

test("rehearsal: every panel of every dashboard has data against the running stack", async (t) => {
    const r = running(t);
    if (!r) return;
    const scrapeMs = r.timings.scrapeMs;
    const dashboards = dashboardQueries();
    assert.ok(dashboards.length > 0 && dashboards.every((d) => d.queries.length > 0));
    const skewed = (expr: string) => Object.keys(metricsNewerThanDebian).find((m) => expr.includes(m));
    /** What Grafana would show "No data" for: every query, with every value each variable offers. */
    const noData = async (): Promise<string[]> => {
        const problems: string[] = [];
        const endS = Date.now() / 1000;
        for (const d of dashboards) {
            // Grafana lists a variable's values with label_values; All stands for its regex.
            const choices: Record<string, string>[] = [{}];
            for (const v of d.variables) {
                const { expr, label } = labelValuesQuery(v.query);
                const values = (await r.prometheus.query(expr)).map((s) => s.labels[label]).filter((x) => x !== undefined);
                if (values.length === 0) problems.push(`${d.title}: variable $${v.name} offers no value (${v.query})`);
                const options = [...values.map(regexEscape), ...(v.allValue === undefined ? [] : [v.allValue])];
                choices.splice(0, choices.length, ...choices.flatMap((c) => options.map((o) => ({ ...c, [v.name]: o }))));
            }
            for (const q of d.queries) {
                if (skewed(q.expr)) continue;
                const empty: string[] = [];
                for (const values of choices) {
                    const expr = expandQuery(q.expr, values, rateIntervalMs(scrapeMs, scrapeMs));
                    const samples = q.instant ? await r.prometheus.query(expr) : await r.prometheus.queryRange(expr, endS - 60, endS, scrapeMs / 1000);
                    if (!finite(samples)) empty.push(JSON.stringify(values));
                }
                // A panel may explain an absence ("not a replica") for some selections, never for all of them.
                const allowed = q.noValue !== undefined && empty.length < choices.length;
                if (empty.length > 0 && !allowed) problems.push(`${d.title} / ${q.panel} ${q.refId} for ${empty.join(", ")}: ${q.expr}`);
            }
        }
        return problems;
    };
    // Rates need a few scrapes and the standby its first sync: poll until nothing is empty, then report what still is.
    let last: string[] = [];
    // A timeout with problems is reported as the list below; any other failure (a query error) as itself.
    await waitFor(async () => (last = await noData()).length === 0, 30_000 + 10 * scrapeMs, "every panel to have data", 1000)
        .catch((e: unknown) => { if (last.length === 0) throw e; });
    assert.deepEqual(last, [], "panels that would show No data");
    for (const [metric, why] of Object.entries(metricsNewerThanDebian)) console.log(`not checked: ${metric} (${why})`);
});

/** Values for a dashboard's variables: as Grafana substitutes them, and the single label values among them. */
interface Choice {
    readonly values: Record<string, string>;
    readonly single: Record<string, { readonly label: string; readonly value: string }>;
}

test("rehearsal: every selector of every panel query matches series, and a panel filtered to one value shows only that value", async (t) => {
    const r = running(t);
    if (!r) return;
    // "Has data" alone passes a stat ending in `or vector(0)` whatever its selector selects, and
    // a query that ignores the variable: each selector must have matched series during the
    // rehearsal, and with one value selected every series a panel shows carries that value.
    const scrapeMs = r.timings.scrapeMs;
    const skewed = (expr: string) => Object.keys(metricsNewerThanDebian).some((m) => expr.includes(m));
    const window = `${secondsSince(startedAt)}s`;
    const problems: string[] = [];
    for (const d of dashboardQueries()) {
        let choices: Choice[] = [{ values: {}, single: {} }];
        for (const v of d.variables) {
            const { expr, label } = labelValuesQuery(v.query);
            const values = (await r.prometheus.query(expr)).map((x) => x.labels[label]).filter((x) => x !== undefined);
            choices = choices.flatMap((c) => [
                ...values.map((value) => ({ values: { ...c.values, [v.name]: regexEscape(value) }, single: { ...c.single, [v.name]: { label, value } } })),
                ...(v.allValue === undefined ? [] : [{ values: { ...c.values, [v.name]: v.allValue }, single: c.single }]),
            ]);
        }
        for (const q of d.queries.filter((x) => !skewed(x.expr))) {
            const written = vectorSelectors(q.expr);
            const matched = written.map(() => false);
            for (const c of choices) {
                const expr = expandQuery(q.expr, c.values, rateIntervalMs(scrapeMs, scrapeMs));
                for (const [i, selector] of vectorSelectors(expr).entries()) {
                    if (!matched[i]) matched[i] = (await r.prometheus.query(`present_over_time(${selector}[${window}])`)).length > 0;
                }
                const filtered = Object.entries(c.single).filter(([name]) => new RegExp(`\\$\\{?${name}\\b`).test(q.expr));
                if (filtered.length === 0) continue;
                const endS = Date.now() / 1000;
                const shown = q.instant ? await r.prometheus.query(expr) : await r.prometheus.queryRange(expr, endS - 60, endS, scrapeMs / 1000);
                for (const [name, { label, value }] of filtered) {
                    const strays = shown.filter((x) => x.labels[label] !== value).map((x) => JSON.stringify(x.labels));
                    if (strays.length > 0) problems.push(`${d.title} / ${q.panel} ${q.refId} with $${name} = ${value} shows ${strays.join(", ")}: ${q.expr}`);
                }
            }
            written.forEach((selector, i) => {
                if (!matched[i]) problems.push(`${d.title} / ${q.panel} ${q.refId}: ${selector} never matched a series: ${q.expr}`);
            });
        }
    }
    assert.deepEqual(problems, []);
});

test("rehearsal: every metric name the rules and dashboards may use is exported by the running binaries", async (t) => {
    const r = running(t);
    if (!r) return;
    // test/monitoringMetrics.ts lists the names for the deployed versions; Debian's older
    // binaries must export each of them too, except the documented skew.
    const exported = new Set((await r.prometheus.query('group by (__name__) ({__name__=~".+"})')).map((s) => s.labels.__name__));
    // A service the stack turns off (the blackbox exporter, until probes) exports nothing here.
    // So does the backup job (render/backup.ts) on a stack without backupRepository; its names are
    // checked with node-exporter's textfile collector in test/integration/backup-script.test.ts.
    const off = new Set([
        ...allServiceSpecs.filter((s) => s.settings(r.monitoring) === undefined).flatMap((s) => s.exportedMetrics),
        ...(r.monitoring.backup === undefined ? Object.values(backupMetrics) : []),
        // Prometheus has remote_write queues only with a store to write to (the rehearsed stack has none).
        ...(remoteWriteTargets(r.monitoring).length === 0 ? prometheusRemoteQueueMetrics : []),
    ]);
    const missing = [...knownMetricNames].filter((name) => !exported.has(name) && !(name in metricsNewerThanDebian) && !off.has(name));
    assert.deepEqual(missing, [], "names no running exporter, rule or Prometheus itself produces");
});

test("rehearsal: Redis standby stops → RedisDown reaches every receiver type, resolved on each after restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const smtp = r.smtp;
    assert.ok(smtp, "the email receiver runs against the fake SMTP server");
    // Alertmanager's default subject: "[FIRING:1] RedisDown (…)" and "[RESOLVED] RedisDown (…)".
    const mails = (state: "FIRING" | "RESOLVED") => smtp.messages.filter((m) => (m.headers.subject ?? "").startsWith(`[${state}`) && (m.headers.subject ?? "").includes("RedisDown"));
    // Opsgenie creates an alert with its alias (POST v2/alerts) and closes it by that alias, with no alert text.
    const opsgenieAliases = () => r.fakes.requestsTo("/opsgenie/v2/alerts").filter((m) => m.body.includes("RedisDown") && m.body.includes("standby"))
        .map((m) => (typeof m.json === "object" && m.json !== null && "alias" in m.json ? String(m.json.alias) : ""));
    const reached = (state: "Firing" | "Resolved") => {
        const json = (path: string) => r.fakes.requestsTo(path).filter((m) => m.body.includes("RedisDown") && m.body.includes("standby")
            && (state === "Firing" ? /firing/i.test(m.body) : /resolved/i.test(m.body)));
        return {
            telegram: telegram(r, "RedisDown", state).some((m) => text(m).includes("redis = standby")),
            pagerduty: json("/v2/enqueue").some((m) => m.body.includes(`"event_action":"${state === "Firing" ? "trigger" : "resolve"}"`)),
            discord: json("/discord/discord").length > 0,
            slack: json("/slack/slack").length > 0,
            webhook: json("/webhook/hook").some((m) => m.body.includes(`"status":"${state.toLowerCase()}"`)),
            email: mails(state === "Firing" ? "FIRING" : "RESOLVED").length > 0,
            opsgenie: state === "Firing" ? opsgenieAliases().length > 0 : opsgenieAliases().some((alias) => r.fakes.requestsTo(`/opsgenie/v2/alerts/${alias}/close`).length > 0),
        };
    };
    const all = (state: "Firing" | "Resolved") => Object.values(reached(state)).every(Boolean);
    assert.deepEqual(Object.keys(reached("Firing")).sort(), [...receiverTypes].sort(), "every registered receiver type is rehearsed");
    await r.stopRedis("standby");
    try {
        await waitFor(() => all("Firing"), pagingDeadline(r), "RedisDown on every receiver").catch((e: unknown) => {
            throw new Error(`${e instanceof Error ? e.message : String(e)}: ${JSON.stringify(reached("Firing"))}`);
        });
    } finally {
        await r.startRedis("standby");
    }
    const [mail] = mails("FIRING");
    assert.equal(mail.tls, true, "email went over STARTTLS");
    assert.deepEqual(mail.auth && { username: mail.auth.username, password: mail.auth.password }, { username: "alertmanager", password: smtpPassword });
    assert.deepEqual(mail.to, ["ops@example.test"]);
    await waitFor(() => all("Resolved"), pagedResolveDeadline(r), "resolved RedisDown on every receiver").catch((e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}: ${JSON.stringify(reached("Resolved"))}`);
    });
});

test("rehearsal: a rule and prometheus.yml change applied by reload: no restart, both are active, no scrape missed", async (t) => {
    const r = running(t);
    if (!r) return;
    const scrapeMs = r.timings.scrapeMs;
    const before = await r.prometheus.runtimeInfo();
    // The rewritten prometheus.yml Prometheus reads: the change must survive the rehearsal's rewrite
    // (a scrape timeout would not: at this time scale every timeout becomes the 1 s floor).
    const prometheusYml = path.join(path.dirname(r.rulesDir), path.basename(prometheusConfigFile));
    const fileBefore = fs.readFileSync(prometheusYml, "utf8");
    const environment = `${r.monitoring.environment}-changed`;
    const windowStart = Date.now() - 3 * scrapeMs;
    const changed = await r.applyConfig({ alertThresholds: { ...thresholds, appErrorRatePercent: 4 }, environment });
    const reloadedAt = Date.now();
    assert.equal(changed.alertThresholds.appErrorRatePercent, 4);
    const fileAfter = fs.readFileSync(prometheusYml, "utf8");
    assert.notEqual(fileAfter, fileBefore, "the rewritten prometheus.yml changed");
    assert.match(fileAfter, new RegExp(`environment: ${environment}\\n`));
    const loaded = JSON.parse((await httpGet(`${r.urls.prometheus}/api/v1/status/config`)).body) as { data: { yaml: string } };
    assert.match(loaded.data.yaml, new RegExp(`environment: ${environment}\\n`), "Prometheus runs the changed prometheus.yml");
    const rules = await r.prometheus.ruleExpressions();
    assert.ok((rules.get("AppErrorRateHigh") ?? []).every((q) => q.endsWith("> 4")) && rules.has("AppErrorRateHigh"), `the new threshold is active: ${rules.get("AppErrorRateHigh")}`);
    assert.equal((await r.prometheus.runtimeInfo()).startTime, before.startTime, "Prometheus was not restarted");
    // Three more scrapes of every target after the reload, then the spacing of every target's samples around it.
    await waitFor(async () => {
        const oldest = await r.prometheus.query("min(timestamp(up))");
        return (oldest[0]?.values[0][1] ?? 0) * 1000 > reloadedAt + 3 * scrapeMs;
    }, 10 * scrapeMs + 10_000, "three scrapes of every target after the reload");
    const spacing = await r.prometheus.scrapeSpacing((Date.now() - windowStart) / 1000, scrapeMs);
    assert.ok(spacing.length >= 8, `every target: ${spacing.map((s) => s.labels.job).join(", ")}`);
    const gaps = spacing.filter((s) => s.missed > 0).map((s) => `${s.labels.job}/${s.labels.instance}: ${s.maxGapMs} ms between samples`);
    assert.deepEqual(gaps, [], `no missed scrape (interval ${scrapeMs} ms)`);
});

test("rehearsal: Prometheus restarted on the same data directory keeps its history", async (t) => {
    const r = running(t);
    if (!r) return;
    const at = Date.now() / 1000;
    const window = `${secondsSince(startedAt)}s`;
    const history = `count_over_time(up{job="prometheus"}[${window}])`;
    const recorded = `count_over_time(job:http_requests:rate5m{job="${above}"}[${window}])`;
    const countAt = async (expr: string) => (await r.prometheus.query(expr, at))[0]?.values[0][1] ?? 0;
    const before = { up: await countAt(history), recorded: await countAt(recorded) };
    assert.ok(before.up > 10 && before.recorded > 10, `some history to keep: ${JSON.stringify(before)}`);
    const started = (await r.prometheus.runtimeInfo()).startTime;
    await r.restartPrometheus();
    assert.notEqual((await r.prometheus.runtimeInfo()).startTime, started, "a new Prometheus process");
    const after = { up: await countAt(history), recorded: await countAt(recorded) };
    assert.deepEqual(after, before, "the samples before the restart are all still there");
});
