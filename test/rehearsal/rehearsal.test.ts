// Alert rehearsal of the prod stack: its own rendered configuration, run by Debian's prometheus,
// prometheus-alertmanager, prometheus-redis-exporter and redis-server on 127.0.0.1, with fake
// receivers and a fake app. Time runs 15x faster (rehearsal/harness.ts). Skipped when the binaries
// are missing, except in CI, where that is a failure naming the apt-get command.
// The other seeds' shape (two apps, a Redis standby, every receiver type, real host metrics) is
// rehearsed in rehearsal-operations.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { watchdogRepeatInterval } from "../../render/alertmanager";
import { prometheusCommand } from "../../render/prometheus";
import { durationMs, sizeBytes } from "../../config/units";
import { prodReceiverOverrides, type RecordedRequest } from "../../rehearsal/fakes";
import { httpGet, waitFor, type Rehearsal } from "../../rehearsal/harness";
import {
    amMetric, notifyDeadline, pagedResolveDeadline, pagerduty, pagingDeadline, rehearsalForFile, telegram, telegramPath, text,
} from "../rehearsalSupport";

const timeScale = 15;

const running = rehearsalForFile({
    stack: "prod",
    timeScale,
    log: (line) => console.log(line),
    overrides: prodReceiverOverrides,
});

/** Notifications meant for people (not the dead man's switch). */
function toPeople(r: Rehearsal): RecordedRequest[] {
    return r.fakes.requests.filter((m) => telegramPath.test(m.path) || m.path === "/v2/enqueue");
}

const pings = (r: Rehearsal): RecordedRequest[] => r.fakes.requestsTo("/deadmansswitch").filter((m) => m.body.includes("Watchdog"));

/** A quiet period: when nothing may happen, only waiting the whole time shows it did not. */
const quietFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test("rehearsal: a heartbeat blip shorter than `for` notifies nobody", async (t) => {
    const r = running(t);
    if (!r) return;
    const app = r.apps.get("ai-engine");
    assert.ok(app);
    const before = toPeople(r).length;
    app.setHeartbeatAgeSeconds(600);
    const pending = await waitFor(async () => (await r.prometheus.alerts()).find((a) => a.labels.alertname === "AppHeartbeatStale"),
        10 * r.timings.scrapeMs + 10_000, "AppHeartbeatStale to be pending");
    app.setHeartbeatAgeSeconds(0);
    assert.equal(pending.state, "pending", "the blip must end before `for` (1m / scale) elapses");
    await waitFor(async () => !(await r.prometheus.alerts()).some((a) => a.labels.alertname === "AppHeartbeatStale"),
        10 * r.timings.scrapeMs + 10_000, "AppHeartbeatStale to clear");
    // Wait as long as a real one would have needed to reach a receiver.
    await quietFor(r.scaled("1m") + r.timings.groupWaitMs + 3 * r.timings.evaluationMs);
    assert.deepEqual(toPeople(r).slice(before).map((m) => m.body.slice(0, 200)), []);
});

test("rehearsal: Redis stops → RedisDown reaches telegram and pagerduty, resolved after restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const started = Date.now();
    await r.stopRedis("main");
    try {
        await waitFor(() => telegram(r, "RedisDown", "Firing").length > 0 && pagerduty(r, "RedisDown", "trigger").length > 0,
            pagingDeadline(r), "RedisDown on telegram and pagerduty");
        console.log(`RedisDown notified ${Date.now() - started} ms after Redis stopped (time scale ${timeScale})`);
        assert.match(text(telegram(r, "RedisDown", "Firing")[0]), /severity = critical/);
    } finally {
        await r.startRedis("main");
    }
    const restarted = Date.now();
    await waitFor(() => telegram(r, "RedisDown", "Resolved").length > 0 && pagerduty(r, "RedisDown", "resolve").length > 0,
        pagedResolveDeadline(r), "resolved RedisDown on telegram and pagerduty");
    console.log(`RedisDown resolved ${Date.now() - restarted} ms after Redis restarted`);
});

test("rehearsal: the app stops → TargetDown for its job reaches telegram", async (t) => {
    const r = running(t);
    if (!r) return;
    const app = r.apps.get("ai-engine");
    assert.ok(app);
    await app.stop();
    try {
        const [firing] = await waitFor(() => {
            const found = telegram(r, "TargetDown", "Firing").filter((m) => text(m).includes("job = ai-engine"));
            return found.length > 0 ? found : undefined;
        }, pagingDeadline(r), "TargetDown{job=ai-engine} on telegram");
        assert.match(text(firing), /severity = critical/);
        // Alertmanager notifies its integrations in parallel: PagerDuty's request may land just after Telegram's.
        await waitFor(() => pagerduty(r, "TargetDown", "trigger").some((m) => m.body.includes("ai-engine")),
            pagingDeadline(r), "critical TargetDown{job=ai-engine} also on pagerduty");
    } finally {
        await app.start();
    }
    await waitFor(() => telegram(r, "TargetDown", "Resolved").some((m) => text(m).includes("job = ai-engine")),
        pagedResolveDeadline(r), "resolved TargetDown on telegram");
});

test("rehearsal: Watchdog pings the dead man's switch and never reaches people", async (t) => {
    const r = running(t);
    if (!r) return;
    await waitFor(() => pings(r).length >= 2, 3 * r.scaled(watchdogRepeatInterval) + 15_000, "two Watchdog pings on the dead man's switch");
    assert.equal(toPeople(r).filter((m) => m.body.includes("Watchdog")).length, 0);
});

test("rehearsal: Alertmanager stopped → the dead man's switch hears nothing (what its service alarms on); pings resume after a restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const every = r.scaled(watchdogRepeatInterval);
    await waitFor(() => pings(r).length >= 1, 3 * every + 15_000, "a first Watchdog ping");
    const errorsBefore = (await r.prometheus.query("prometheus_notifications_errors_total"))[0]?.values[0][1] ?? 0;
    await r.stopAlertmanager();
    const heard = pings(r).length;
    try {
        // Three ping intervals and a resend of the alert: a switch service would have alarmed by now.
        await quietFor(3 * every + r.scaled("1m"));
        assert.equal(pings(r).length, heard, "no ping while Alertmanager is down");
        const errors = (await r.prometheus.query("prometheus_notifications_errors_total"))[0]?.values[0][1] ?? 0;
        assert.ok(errors > errorsBefore, "Prometheus counts the alerts it could not hand to Alertmanager");
    } finally {
        await r.startAlertmanager();
    }
    await waitFor(() => pings(r).length > heard, 3 * every + r.scaled("1m") + 15_000, "a Watchdog ping after Alertmanager restarted");
});

test("rehearsal: Prometheus and Alertmanager reload their configuration without a restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const prom = await r.prometheus.runtimeInfo();
    const amStart = await amMetric(r, "process_start_time_seconds");
    const amReload = await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds");
    await waitFor(() => Date.now() / 1000 > Math.max(Date.parse(prom.lastConfigTime) / 1000, amReload) + 1, 5000, "a new second");
    await r.reloadPrometheus();
    await r.reloadAlertmanager();
    const promAfter = await r.prometheus.runtimeInfo();
    assert.equal(promAfter.startTime, prom.startTime, "Prometheus was not restarted");
    assert.ok(promAfter.reloadConfigSuccess);
    assert.ok(Date.parse(promAfter.lastConfigTime) > Date.parse(prom.lastConfigTime), "Prometheus reloaded its configuration");
    assert.equal(await amMetric(r, "process_start_time_seconds"), amStart, "Alertmanager was not restarted");
    assert.equal(await amMetric(r, "alertmanager_config_last_reload_successful"), 1);
    assert.ok(await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds") > amReload, "Alertmanager reloaded its configuration");
    // Alerting still works end to end after the reload: the Watchdog keeps pinging.
    const heard = pings(r).length;
    await waitFor(() => pings(r).length > heard, 2 * r.scaled(watchdogRepeatInterval) + 15_000, "a Watchdog ping after the reload");
});

test("rehearsal: Prometheus and Alertmanager run the stack's rendered command lines: retention and every other flag as deployed", async (t) => {
    const r = running(t);
    if (!r) return;
    const flagsResponse = await httpGet(`${r.urls.prometheus}/api/v1/status/flags`);
    assert.equal(flagsResponse.status, 200);
    const flags = (JSON.parse(flagsResponse.body) as { data: Record<string, string> }).data;
    // Prometheus prints durations and sizes normalised (7d as 1w, 10GB as 10GiB): compare what they mean.
    const meaning: Readonly<Record<string, (value: string) => number>> = {
        "storage.tsdb.retention.time": durationMs,
        "storage.tsdb.retention.size": (value) => sizeBytes(value.replace(/iB$/, "B")),
    };
    // prod sets 7d and 10GB; Prometheus' own defaults are 15d and no size limit.
    assert.equal(meaning["storage.tsdb.retention.time"](flags["storage.tsdb.retention.time"]), durationMs(r.monitoring.prometheus.retentionTime));
    assert.equal(meaning["storage.tsdb.retention.size"](flags["storage.tsdb.retention.size"]), sizeBytes(r.monitoring.prometheus.retentionSize));
    // Every rendered flag reaches the rehearsed Prometheus: with its value unless it names a path or an address.
    const rewritten = new Set(["config.file", "storage.tsdb.path", "web.listen-address"]);
    for (const arg of prometheusCommand(r.monitoring)) {
        const [flag, value] = arg.replace(/^--/, "").split(/=(.*)/s);
        assert.ok(flag in flags, `${flag} is a flag of the rehearsed Prometheus`);
        if (rewritten.has(flag)) continue;
        const mean = meaning[flag];
        if (mean) assert.equal(mean(flags[flag]), mean(value), flag);
        else assert.equal(flags[flag], value, flag);
    }
    // Alertmanager got the rendered empty --cluster.listen-address: no gossip, as deployed.
    const status = await httpGet(`${r.urls.alertmanager}/api/v2/status`);
    assert.equal((JSON.parse(status.body) as { cluster: { status: string } }).cluster.status, "disabled");
});

test("rehearsal: a receiver answering 500 → AlertmanagerFailedToSendNotifications, delivered once it recovers", async (t) => {
    const r = running(t);
    if (!r) return;
    r.fakes.setFailing(true);
    await r.stopRedis("main");
    try {
        await waitFor(async () => (await r.prometheus.alerts()).some((a) => a.labels.alertname === "AlertmanagerFailedToSendNotifications" && a.state === "firing"),
            notifyDeadline(r, "5m") + 15_000, "AlertmanagerFailedToSendNotifications to fire");
    } finally {
        r.fakes.setFailing(false);
        await r.startRedis("main");
    }
    await waitFor(() => telegram(r, "AlertmanagerFailedToSendNotifications", "Firing").length > 0,
        r.timings.groupIntervalMs + notifyDeadline(r, "0s"), "AlertmanagerFailedToSendNotifications on telegram");
});

test("rehearsal: a critical AppLatencyHigh inhibits its warning twin", async (t) => {
    const r = running(t);
    if (!r) return;
    const app = r.apps.get("ai-engine");
    assert.ok(app);
    const { appLatencyP95WarningSeconds: warning, appLatencyP95CriticalSeconds: critical } = r.monitoring.alertThresholds;
    // Every request slower than the critical threshold: p95 crosses both thresholds in the same
    // scrape, so the critical fires with its warning twin. The 5m rate window keeps it there: last scenario.
    app.setUniformLatency(critical + (critical - warning) / 2);
    const [firing] = await waitFor(() => {
        const found = telegram(r, "AppLatencyHigh", "Firing");
        return found.length > 0 ? found : undefined;
    }, notifyDeadline(r, "5m") + 30_000, "AppLatencyHigh on telegram");
    assert.match(text(firing), /severity = critical/);
    const suppressed = await waitFor(async () => {
        const alerts = JSON.parse((await httpGet(`${r.urls.alertmanager}/api/v2/alerts?inhibited=true`)).body) as
            { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
        return alerts.find((a) => a.labels.alertname === "AppLatencyHigh" && a.labels.severity === "warning" && a.status.state === "suppressed");
    }, 10_000, "the warning AppLatencyHigh to be suppressed in Alertmanager");
    assert.ok(suppressed.status.inhibitedBy.length > 0);
    const warnings = r.fakes.requests.filter((m) => m.body.includes("AppLatencyHigh") && /severity = warning|"severity":"warning"/.test(m.body + text(m)));
    assert.deepEqual(warnings.map((m) => m.path), [], "no notification of the inhibited warning");
});
