// Rehearsal of changes through the product's own swap script (render/swap.ts, rewritten
// only for local processes: SIGHUP by kill to the pid, Debian's promtool/amtool as the checkers):
// a good change reaches Prometheus and Alertmanager by signal without a restart; a change a checker
// refuses is never loaded, alerts keep flowing, and a restart comes back on the last good files.
import assert from "node:assert/strict";
import { test } from "node:test";
import { alertmanagerConfigFile, watchdogRepeatInterval } from "../../render/alertmanager";
import { rulesDir } from "../../render/rules";
import { redisJob } from "../../model/catalog";
import type { RenderedFile } from "../../render/files";
import { prodReceiverOverrides } from "../../rehearsal/fakes";
import { httpGet, waitFor, type Rehearsal } from "../../rehearsal/harness";
import { amMetric, pagedResolveDeadline, pagingDeadline, rehearsalForFile, telegram } from "../rehearsalSupport";

const running = rehearsalForFile({ stack: "prod", timeScale: 15, log: (line) => console.log(line), overrides: prodReceiverOverrides });

const pings = (r: Rehearsal): number => r.fakes.requestsTo("/deadmansswitch").filter((m) => m.body.includes("Watchdog")).length;

async function aPingAfterNow(r: Rehearsal, what: string): Promise<void> {
    const heard = pings(r);
    await waitFor(() => pings(r) > heard, 2 * r.scaled(watchdogRepeatInterval) + 15_000, `a Watchdog ping on the dead man's switch ${what}`);
}

async function ruleGroups(r: Rehearsal): Promise<string[]> {
    const body = JSON.parse((await httpGet(`${r.urls.prometheus}/api/v1/rules`)).body) as { data: { groups: { name: string }[] } };
    return body.data.groups.map((g) => g.name);
}

/** A rule file whose expression does not parse: what a renderer bug would put on the host. */
const brokenRules = (files: RenderedFile[]): RenderedFile[] => [...files, {
    path: `${rulesDir}/broken.yml`, secret: false, owner: 65534,
    content: "groups:\n  - name: broken-by-a-bad-change\n    rules:\n      - alert: NeverLoaded\n        expr: up ==\n",
}];

/** An Alertmanager route to a receiver that does not exist. */
const brokenRoute = (files: RenderedFile[]): RenderedFile[] => files.map((f) => f.path === alertmanagerConfigFile
    ? { ...f, content: f.content.replace(/receiver: critical/, "receiver: nobody-of-that-name") } : f);

test("rehearsal: a good change goes through the swap script: checked, loaded by SIGHUP, nothing restarted", async (t) => {
    const r = running(t);
    if (!r) return;
    const prom = await r.prometheus.runtimeInfo();
    const amStart = await amMetric(r, "process_start_time_seconds");
    const amHash = await amMetric(r, "alertmanager_config_hash");
    await r.applyConfig({ repeatInterval: "3h" });
    const promAfter = await r.prometheus.runtimeInfo();
    assert.equal(promAfter.startTime, prom.startTime, "Prometheus was not restarted");
    assert.ok(promAfter.reloadConfigSuccess);
    assert.ok(Date.parse(promAfter.lastConfigTime) > Date.parse(prom.lastConfigTime), "Prometheus loaded the new release");
    assert.equal(await amMetric(r, "process_start_time_seconds"), amStart, "Alertmanager was not restarted");
    assert.notEqual(await amMetric(r, "alertmanager_config_hash"), amHash, "Alertmanager runs the new configuration");
    assert.equal(r.monitoring.alertmanager.repeatInterval, "3h");
});

test("rehearsal: a rule promtool refuses never reaches Prometheus; alerts keep reaching the dead man's switch", async (t) => {
    const r = running(t);
    if (!r) return;
    const before = await r.prometheus.runtimeInfo();
    const groups = await ruleGroups(r);
    const config = r.monitoring;
    await assert.rejects(r.applyConfig({ evaluationInterval: "30s" }, brokenRules), (e: Error) => {
        assert.match(e.message, /prometheus: the checker refused the new files; nothing was changed/);
        assert.match(e.message, /broken\.yml/, "promtool names the file");
        assert.match(e.message, /parse error|unexpected/, "promtool's own message");
        return true;
    });
    const after = await r.prometheus.runtimeInfo();
    assert.equal(after.lastConfigTime, before.lastConfigTime, "Prometheus did not load anything");
    assert.ok(after.reloadConfigSuccess);
    assert.deepEqual(await ruleGroups(r), groups);
    assert.equal(r.monitoring, config, "the rehearsal keeps the previous configuration");
    await aPingAfterNow(r, "after the refused change");
});

test("rehearsal: a route amtool refuses never reaches Alertmanager: same config hash, alerts still delivered", async (t) => {
    const r = running(t);
    if (!r) return;
    const hash = await amMetric(r, "alertmanager_config_hash");
    const loadedAt = await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds");
    await assert.rejects(r.applyConfig({}, brokenRoute), (e: Error) => {
        assert.match(e.message, /alertmanager: the checker refused the new files; nothing was changed/);
        assert.match(e.message, /undefined receiver "nobody-of-that-name"/, "amtool's own message");
        return true;
    });
    assert.equal(await amMetric(r, "alertmanager_config_hash"), hash);
    assert.equal(await amMetric(r, "alertmanager_config_last_reload_success_timestamp_seconds"), loadedAt);
    assert.equal(await amMetric(r, "alertmanager_config_last_reload_successful"), 1);
    await aPingAfterNow(r, "after the refused route");
});

test("rehearsal: after the refused changes, restarted Prometheus and Alertmanager come back on the last good files and deliver RedisDown", async (t) => {
    const r = running(t);
    if (!r) return;
    const hash = await amMetric(r, "alertmanager_config_hash");
    const groups = await ruleGroups(r);
    await r.restartPrometheus();
    await r.stopAlertmanager();
    await r.startAlertmanager();
    assert.ok((await r.prometheus.runtimeInfo()).reloadConfigSuccess, "Prometheus started on a valid configuration");
    await waitFor(async () => (await ruleGroups(r)).length === groups.length, 10_000, "Prometheus' rule groups after the restart");
    assert.deepEqual(await ruleGroups(r), groups, "the same rules as before the refused change, none of the broken file");
    assert.equal(await amMetric(r, "alertmanager_config_hash"), hash, "Alertmanager started on the last good configuration");
    // The paging bound is measured from a settled stack, as in the other scenarios: the restarted
    // pipeline has delivered (a Watchdog ping went rule → Prometheus → Alertmanager → receiver)
    // and the restarted Prometheus has scraped the Redis exporter. Start-up time is not paging time.
    await aPingAfterNow(r, "after the restarts");
    await waitFor(async () => (await r.prometheus.query(`up{job="${redisJob("main")}"} == 1`)).length === 1, 10_000, "the Redis exporter scraped after the restart");
    const sent = telegram(r, "RedisDown", "Firing").length;
    await r.stopRedis("main");
    try {
        await waitFor(() => telegram(r, "RedisDown", "Firing").length > sent, pagingDeadline(r), "RedisDown on telegram after the restarts");
    } finally {
        await r.startRedis("main");
    }
    await waitFor(() => telegram(r, "RedisDown", "Resolved").length > 0, pagedResolveDeadline(r), "RedisDown resolved");
});
