// Alert rehearsal of the prod stack: its own rendered configuration, run by Debian's prometheus,
// prometheus-alertmanager, prometheus-redis-exporter and redis-server on 127.0.0.1, with fake
// receivers and a fake app. Time runs 15x faster (rehearsal/harness.ts). Skipped when the binaries
// are missing, except in CI, where that is a failure naming the apt-get command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { httpGet, rehearsalBinaries, startRehearsal, waitFor, type Rehearsal } from "../rehearsal/harness";
import type { RecordedRequest } from "../rehearsal/fakes";
import { prerequisiteMissing, type Skippable } from "./externalTools";

const timeScale = 15;
const telegramPath = /^\/bot[^/]+\/sendMessage$/;

function missingBinaries(): string[] {
    return Object.keys(rehearsalBinaries).filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
}

const missing = missingBinaries();
let rehearsal: Rehearsal | undefined;

before(async () => {
    if (missing.length > 0) return;
    rehearsal = await startRehearsal({
        stack: "prod",
        timeScale,
        log: (line) => console.log(line),
        overrides: {
            // The secrets prod would take from `pulumi config set --secret`: fakes. Endpoints are set by the harness.
            receivers: [
                { name: "telegram", type: "telegram", chatId: -1001234567890, botToken: "123456:rehearsal", apiUrl: "http://127.0.0.1:1", severities: ["critical", "warning"] },
                { name: "oncall", type: "pagerduty", routingKey: "rehearsal-routing-key", severities: ["critical"] },
            ],
            deadMansSwitchUrl: "http://127.0.0.1:1/ping",
        },
    });
});

after(async () => {
    await rehearsal?.stop();
});

/** The running rehearsal; fails in CI and skips elsewhere when the binaries are missing. */
function running(t: Skippable): Rehearsal | undefined {
    if (missing.length > 0) {
        const message = `rehearsal needs ${missing.join(", ")}; install with \`apt-get install -y --no-install-recommends ${[...new Set(missing.map((b) => rehearsalBinaries[b]))].join(" ")}\``;
        prerequisiteMissing(t, message);
        return undefined;
    }
    assert.ok(rehearsal, "rehearsal did not start");
    return rehearsal;
}

function text(r: RecordedRequest): string {
    const json = r.json;
    return typeof json === "object" && json !== null && "text" in json ? String(json.text) : "";
}

function telegram(r: Rehearsal, alertname: string, state: "Firing" | "Resolved"): RecordedRequest[] {
    return r.fakes.requestsTo(telegramPath).filter((m) => m.status === 200 && text(m).includes(`Alerts ${state}:`) && text(m).includes(`alertname = ${alertname}`));
}

function pagerduty(r: Rehearsal, alertname: string, action: "trigger" | "resolve"): RecordedRequest[] {
    return r.fakes.requestsTo("/v2/enqueue").filter((m) => m.status === 202 && m.body.includes(alertname) && m.body.includes(`"event_action":"${action}"`));
}

/** Notifications meant for people (not the dead man's switch). */
function toPeople(r: Rehearsal): RecordedRequest[] {
    return r.fakes.requests.filter((m) => telegramPath.test(m.path) || m.path === "/v2/enqueue");
}

/** Long enough for any alert of `for` to fire and be notified: for + a few scrapes/evaluations + group_wait + slack. */
function notifyDeadline(r: Rehearsal, forDuration: string): number {
    const t = r.timings;
    return r.scaled(forDuration) + 4 * (t.scrapeMs + t.evaluationMs) + t.groupWaitMs + 15_000;
}

function resolveDeadline(r: Rehearsal): number {
    const t = r.timings;
    return t.groupIntervalMs + 4 * (t.scrapeMs + t.evaluationMs) + 15_000;
}

test("rehearsal: a heartbeat blip shorter than `for` notifies nobody", async (t) => {
    const r = running(t);
    if (!r) return;
    const app = r.apps.get("ai-engine");
    assert.ok(app);
    const before = toPeople(r).length;
    app.setHeartbeatAgeSeconds(600);
    const pending = await waitFor(async () => (await r.prometheusAlerts()).find((a) => a.labels.alertname === "AppHeartbeatStale"),
        10 * r.timings.scrapeMs + 10_000, "AppHeartbeatStale to be pending");
    app.setHeartbeatAgeSeconds(0);
    assert.equal(pending.state, "pending", "the blip must end before `for` (1m / scale) elapses");
    await waitFor(async () => !(await r.prometheusAlerts()).some((a) => a.labels.alertname === "AppHeartbeatStale"),
        10 * r.timings.scrapeMs + 10_000, "AppHeartbeatStale to clear");
    // Wait as long as a real one would have needed to reach a receiver.
    await new Promise((resolve) => setTimeout(resolve, r.scaled("1m") + r.timings.groupWaitMs + 3 * r.timings.evaluationMs));
    assert.deepEqual(toPeople(r).slice(before).map((m) => m.body.slice(0, 200)), []);
});

test("rehearsal: Redis stops → RedisDown reaches telegram and pagerduty, resolved after restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const started = Date.now();
    await r.stopRedis("main");
    try {
        await waitFor(() => telegram(r, "RedisDown", "Firing").length > 0 && pagerduty(r, "RedisDown", "trigger").length > 0,
            notifyDeadline(r, "1m"), "RedisDown on telegram and pagerduty");
        console.log(`RedisDown notified ${Date.now() - started} ms after Redis stopped (time scale ${timeScale})`);
        assert.match(text(telegram(r, "RedisDown", "Firing")[0]), /severity = critical/);
    } finally {
        await r.startRedis("main");
    }
    const restarted = Date.now();
    await waitFor(() => telegram(r, "RedisDown", "Resolved").length > 0 && pagerduty(r, "RedisDown", "resolve").length > 0,
        resolveDeadline(r), "resolved RedisDown on telegram and pagerduty");
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
        }, notifyDeadline(r, "1m"), "TargetDown{job=ai-engine} on telegram");
        assert.match(text(firing), /severity = critical/);
        assert.ok(pagerduty(r, "TargetDown", "trigger").length > 0, "critical TargetDown also pages");
    } finally {
        await app.start();
    }
    await waitFor(() => telegram(r, "TargetDown", "Resolved").some((m) => text(m).includes("job = ai-engine")),
        resolveDeadline(r), "resolved TargetDown on telegram");
});

test("rehearsal: Watchdog pings the dead man's switch and never reaches people", async (t) => {
    const r = running(t);
    if (!r) return;
    await waitFor(() => r.fakes.requestsTo("/deadmansswitch").filter((m) => m.body.includes("Watchdog")).length >= 2,
        3 * r.scaled("1m") + 15_000, "two Watchdog pings on the dead man's switch");
    assert.equal(toPeople(r).filter((m) => m.body.includes("Watchdog")).length, 0);
});

async function promRuntime(r: Rehearsal): Promise<{ startTime: string; lastConfigTime: string; reloadConfigSuccess: boolean }> {
    const doc = JSON.parse((await httpGet(`${r.urls.prometheus}/api/v1/status/runtimeinfo`)).body) as {
        data: { startTime: string; lastConfigTime: string; reloadConfigSuccess: boolean };
    };
    return doc.data;
}

async function amMetric(r: Rehearsal, name: string): Promise<number> {
    const body = (await httpGet(`${r.urls.alertmanager}/metrics`)).body;
    const line = body.split("\n").find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} not in Alertmanager's metrics`);
    return Number(line.split(" ")[1]);
}

test("rehearsal: Prometheus and Alertmanager reload their configuration without a restart", async (t) => {
    const r = running(t);
    if (!r) return;
    const prom = await promRuntime(r);
    const amStart = await amMetric(r, "process_start_time_seconds");
    const amReload = await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds");
    await waitFor(() => Date.now() / 1000 > Math.max(Date.parse(prom.lastConfigTime) / 1000, amReload) + 1, 5000, "a new second");
    await r.reloadPrometheus();
    await r.reloadAlertmanager();
    const promAfter = await promRuntime(r);
    assert.equal(promAfter.startTime, prom.startTime, "Prometheus was not restarted");
    assert.ok(promAfter.reloadConfigSuccess);
    assert.ok(Date.parse(promAfter.lastConfigTime) > Date.parse(prom.lastConfigTime), "Prometheus reloaded its configuration");
    assert.equal(await amMetric(r, "process_start_time_seconds"), amStart, "Alertmanager was not restarted");
    assert.ok(await amMetric(r, "alertmanager_config_last_reload_successful") === 1);
    assert.ok(await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds") > amReload, "Alertmanager reloaded its configuration");
    // Alerting still works end to end after the reload: the Watchdog keeps pinging.
    const pings = r.fakes.requestsTo("/deadmansswitch").length;
    await waitFor(() => r.fakes.requestsTo("/deadmansswitch").length > pings, 2 * r.scaled("1m") + 15_000, "a Watchdog ping after the reload");
});

test("rehearsal: a receiver answering 500 → AlertmanagerFailedToSendNotifications, delivered once it recovers", async (t) => {
    const r = running(t);
    if (!r) return;
    r.fakes.setFailing(true);
    await r.stopRedis("main");
    try {
        await waitFor(async () => (await r.prometheusAlerts()).some((a) => a.labels.alertname === "AlertmanagerFailedToSendNotifications" && a.state === "firing"),
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
    // p95 above both thresholds (2s warning, 5s critical); the 5m rate window keeps it there: last scenario.
    app.setLatencySeconds(7);
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
