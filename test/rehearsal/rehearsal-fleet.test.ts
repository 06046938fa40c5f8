// Fleet rehearsal (issue 13): three hosts as Linux network namespaces, each running Debian's
// node-exporter and a stand-in app on its own address (10.213.<pid % 256>.x/30, rehearsal/netns.ts),
// scraped by the prod stack's rendered fleet jobs. One host is cut off (its veth down): HostDown
// reaches the fake receivers within the configured bound, the other hosts stay quiet, and the cut
// host's TargetDown fires in Prometheus but is held back by Alertmanager's HostDown inhibition.
// Only loopback and these namespaces are contacted. Needs root: skipped elsewhere, failing in CI.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { prodReceiverOverrides, type RecordedRequest } from "../../rehearsal/fakes";
import { httpGet, startRehearsal, waitFor, type Rehearsal } from "../../rehearsal/harness";
import { namespaceFleet, namespacesAvailable, startFleetNamespaces, type FleetNamespaces } from "../../rehearsal/netns";
import { serviceSpecs } from "../../model/services";
import { hostDownFor } from "../../render/fleetScrape";
import { prerequisiteMissing, type Skippable } from "../externalTools";
import { pagingBoundMs, pagingDeadline, pagerduty, relativeSlack, resolveDeadline, telegram, telegramPath, text } from "../rehearsalSupport";

const timeScale = 15;
const hostNames = ["fleet-a", "fleet-b", "fleet-c"] as const;
const cutHost = "fleet-b";
const appJob = "fleet-app";
const appPort = 9200;

const missing = namespacesAvailable();
let namespaces: FleetNamespaces | undefined;
let rehearsal: Rehearsal | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-fleet-"));

before(async () => {
    if (missing !== undefined) return;
    const nodeExporter = serviceSpecs.nodeExporter.rehearsal;
    if (nodeExporter === "stub") throw new Error("node-exporter has no Debian binary");
    namespaces = await startFleetNamespaces(hostNames, { dir, nodeExporter: nodeExporter.binary, collectors: "reachability", appPort, log: (l) => console.log(l) });
    rehearsal = await startRehearsal({
        stack: "prod",
        timeScale,
        log: (line) => console.log(line),
        // The prod stack's receivers, without its apps and Redis: only the fleet can alert.
        overrides: { ...prodReceiverOverrides, apps: [], redis: [] },
        fleet: { hosts: namespaceFleet(namespaces.hosts, { job: appJob, port: appPort }), addressByHost: namespaces.addresses },
    });
});

// Namespaces go even when starting or a test failed; the exit hook in netns.ts covers a crash.
after(async () => {
    await rehearsal?.stop();
    await namespaces?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
});

function running(t: Skippable): Rehearsal | undefined {
    if (missing !== undefined) {
        prerequisiteMissing(t, missing);
        return undefined;
    }
    assert.ok(rehearsal && namespaces, "fleet rehearsal did not start");
    return rehearsal;
}

/** Notifications for people that name `host`. */
function aboutHost(r: Rehearsal, host: string): RecordedRequest[] {
    // Both list the alert's labels as `name = value` (Telegram in its text, PagerDuty in its details).
    return r.fakes.requests.filter((m) => (telegramPath.test(m.path) && text(m).includes(`host = ${host}`))
        || (m.path === "/v2/enqueue" && m.body.includes(`host = ${host}`)));
}

test("fleet rehearsal: every namespace host is scraped at its own address with its host label", async (t) => {
    const r = running(t);
    if (!r || !namespaces) return;
    const up = await r.prometheus.query(`up{job=~"node-fleet|${appJob}"}`);
    const seen = up.map((s) => `${s.labels.job} ${s.labels.host} ${s.labels.instance} ${s.values[0]?.[1]}`).sort();
    const expected = namespaces.hosts.flatMap((h) => [`${appJob} ${h.name} ${h.address}:${appPort} 1`, `node-fleet ${h.name} ${h.address}:9100 1`]).sort();
    assert.deepEqual(seen, expected);
});

test("fleet rehearsal: a host cut off → HostDown pages within the bound, its TargetDown is inhibited, the other hosts stay quiet", async (t) => {
    const r = running(t);
    if (!r || !namespaces) return;
    const others = hostNames.filter((h) => h !== cutHost);
    const cutAt = Date.now();
    namespaces.cut(cutHost);
    try {
        const hostDownForDuration = hostDownFor(r.monitoring.paging);
        const deadline = pagingDeadline(r, hostDownForDuration);
        const firing = await waitFor(() => telegram(r, "HostDown", "Firing").find((m) => text(m).includes(`host = ${cutHost}`)),
            deadline, `HostDown for ${cutHost} on telegram`, 50);
        await waitFor(() => pagerduty(r, "HostDown", "trigger").some((m) => m.body.includes(`host = ${cutHost}`)),
            deadline - (Date.now() - cutAt), `HostDown for ${cutHost} on pagerduty`, 50);
        const measured = firing.at - cutAt;
        console.log(`HostDown notified ${measured} ms after the link went down; bound ${pagingBoundMs(r, hostDownForDuration)} ms `
            + `(fast path: scrape + timeout + evaluation + for ${hostDownForDuration} + group_wait, time scale ${timeScale}), deadline ${Math.round(deadline)} ms (× ${relativeSlack})`);

        // The cut host's app is down too: TargetDown fires in Prometheus, and Alertmanager holds it back.
        await waitFor(async () => (await r.prometheus.alerts()).find((a) => a.labels.alertname === "TargetDown"
            && a.labels.host === cutHost && a.labels.job === appJob && a.state === "firing"),
        pagingDeadline(r), `TargetDown{job=${appJob}, host=${cutHost}} firing in Prometheus`);
        await waitFor(async () => {
            const alerts = JSON.parse((await httpGet(`${r.urls.alertmanager}/api/v2/alerts?inhibited=true&silenced=false&active=false`)).body) as
                { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
            // The app's TargetDown, not the first one: the node-fleet job's own TargetDown (slower `for:`)
            // may reach Alertmanager first, in either order.
            return alerts.find((a) => a.labels.alertname === "TargetDown" && a.labels.host === cutHost
                && a.labels.job === appJob && a.status.inhibitedBy.length > 0);
        }, 10 * r.timings.evaluationMs + r.timings.groupWaitMs, `TargetDown{job=${appJob}} of ${cutHost} inhibited in Alertmanager`);
        // Past the group_wait of that TargetDown: had it not been held back, it would have been sent by now.
        await new Promise((resolve) => setTimeout(resolve, r.timings.groupWaitMs + 2 * r.timings.evaluationMs));
        const leaked = aboutHost(r, cutHost).filter((m) => !m.body.includes("HostDown"));
        assert.deepEqual(leaked.map((m) => m.body.slice(0, 300)), [], "only HostDown pages for the cut host");
        for (const host of others) assert.deepEqual(aboutHost(r, host).map((m) => m.body.slice(0, 300)), [], `nothing about ${host}`);
    } finally {
        namespaces.restore(cutHost);
    }
    const restored = Date.now();
    await waitFor(() => telegram(r, "HostDown", "Resolved").find((m) => text(m).includes(`host = ${cutHost}`)),
        resolveDeadline(r), `resolved HostDown for ${cutHost}`, 50);
    console.log(`HostDown resolved ${Date.now() - restored} ms after the link came back`);
});
