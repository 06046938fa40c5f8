// Rehearsal of remote_write with real processes on loopback: Debian's victoria-metrics as the
// embedded store, running its rendered command line; Debian's Prometheus 2.42 on the stack's
// rendered prometheus.yml and rules (intervals divided by 15, the remote_write URL moved to
// loopback). Samples arrive (the store's raw samples equal Prometheus' own); the store stopped
// long enough for RemoteWriteBehind (threshold tuned to 10 s) to fire, then started again: the
// alert resolves and no sample of the outage is missing. Then an agent-mode Prometheus
// (render/agent.ts) scraping a loopback node-exporter pushes into the same store, with the host
// label of the fleet host it stands for.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { containerPaths } from "../../model/catalog";
import type { FleetHost } from "../../model/fleet";
import { embeddedStoreName } from "../../model/remoteWrite";
import { serviceSpecs } from "../../model/services";
import type { MonitoringConfig } from "../../model/stack";
import { agentDataPath, renderAgentPrometheus } from "../../render/agent";
import { fleetJobs } from "../../render/fleetScrape";
import { externalLabels, prometheusCommand, prometheusConfigFile, renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { renderedSingle } from "../../render/services";
import { waitFor } from "../../rehearsal/fakes";
import { cleanUpOnExit, freePort, httpOk, launch, type Managed, ready, terminate } from "../../rehearsal/processes";
import { PrometheusApi } from "../../rehearsal/prometheusApi";
import { prometheusRaw, rehearsalVictoriaMetricsArgs, rewriteRemoteWrite, victoriaMetricsRaw, type RawSamples } from "../../rehearsal/remoteWrite";
import { rewriteCommand, rewritePrometheus, rewriteRules } from "../../rehearsal/rewrite";
import { forDebianAgent, forDebianPrometheus, prometheusSecrets } from "../../rehearsal/skew";
import { type Skippable, toolAvailable } from "../externalTools";

const timeScale = 15;
const behindSeconds = 10;
const stack = (extra: Record<string, unknown>): MonitoringConfig => parseStackConfig("rehearsal", {
    hetznerSshKeyName: "deploy", nodeExporter: false, victoriaMetrics: true,
    alertThresholds: { remoteWriteBehindSeconds: behindSeconds }, ...extra,
}).monitoring;
const m = stack({});
// The agent pushes to a store of the user's (the embedded one is not reachable from a fleet host).
const central = "central";
const mAgent = stack({ remoteWrite: [{ name: central, url: "https://central.example.com/api/v1/write" }] });
const edge: FleetHost = {
    name: "edge-1", address: "127.0.0.1", labels: { role: "edge" }, agents: true, transport: "private-network", redis: [], apps: [], push: true,
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-remote-write-"));
const managed = (name: string): Managed => ({ name, logFile: path.join(dir, `${name}.log`) });
const vm = managed("victoria-metrics");
const prometheus = managed("prometheus");
const agent = managed("prometheus-agent");
const nodeExporter = managed("node-exporter");
let vmUrl = "";
let vmArgs: string[] = [];
let api: PrometheusApi;
/** Debian's binaries this rehearsal runs; missing ones fail it in CI and skip it elsewhere. */
const missing = ["victoria-metrics", "prometheus", "prometheus-node-exporter"].filter((tool) => spawnSync(tool, ["--version"]).error !== undefined);
/** True when the test can run; otherwise reports the missing tools the way every test does. */
const toolsPresent = (t: Skippable) => missing.every((tool) => toolAvailable(t, tool));

function writeFiles(root: string, files: { path: string; content: string; secret: boolean }[]): void {
    for (const f of files) {
        const file = path.join(root, f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content, { mode: f.secret ? 0o400 : 0o644 });
    }
}

/** Prometheus' rendered files as the rehearsal runs them: loopback addresses, scaled intervals, header files inlined for 2.42. */
function prometheusFiles(config: MonitoringConfig, root: string, ports: { prometheus: number; unused: number; vm: number }): void {
    const hostDir = path.join(root, "prometheus");
    const files = [...renderPrometheus(config), ...renderRules(config)];
    writeFiles(root, files);
    const main = path.join(root, prometheusConfigFile);
    const addresses = {
        prometheus: `127.0.0.1:${ports.prometheus}`, alertmanager: `127.0.0.1:${ports.unused}`,
        byJob: new Map([["grafana", `127.0.0.1:${ports.unused}`], [serviceSpecs.victoriaMetrics.instances(config)[0].job, `127.0.0.1:${ports.vm}`]]),
        plainHttpJobs: new Set<string>(),
    };
    const local = rewritePrometheus(fs.readFileSync(main, "utf8"), addresses, timeScale, hostDir);
    const secrets = new Map([...prometheusSecrets(files)].map(([p, v]) => [p.replace(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`), v]));
    fs.writeFileSync(main, forDebianPrometheus(rewriteRemoteWrite(local, new Map([[embeddedStoreName, `${vmUrl}/api/v1/write`]])), secrets));
    for (const f of files.filter((x) => x.path.includes("/rules/"))) fs.writeFileSync(path.join(root, f.path), rewriteRules(f.content, timeScale));
}

before(async () => {
    if (missing.length > 0) return;
    cleanUpOnExit(dir);
    const ports = { prometheus: await freePort(), unused: await freePort(), vm: await freePort() };
    vmUrl = `http://127.0.0.1:${ports.vm}`;
    vmArgs = rehearsalVictoriaMetricsArgs(renderedSingle(m, serviceSpecs.victoriaMetrics).command ?? [], path.join(dir, "vm-data"), ports.vm);
    launch(vm, "victoria-metrics", vmArgs, dir);
    await ready(vm, 30_000, () => httpOk(`${vmUrl}/health`));

    prometheusFiles(m, dir, ports);
    const args = rewriteCommand(prometheusCommand(m), `127.0.0.1:${ports.prometheus}`, new Map([
        [containerPaths.prometheusConfigDir, path.join(dir, "prometheus")],
        [containerPaths.prometheusData, path.join(dir, "prometheus-data")],
    ]));
    launch(prometheus, "prometheus", args, dir);
    api = new PrometheusApi(`http://127.0.0.1:${ports.prometheus}`);
    await ready(prometheus, 30_000, () => httpOk(`${api.url}/-/ready`));
});

after(async () => {
    for (const p of [agent, nodeExporter, prometheus, vm]) await terminate(p);
    fs.rmSync(dir, { recursive: true, force: true });
});

const nowS = () => Date.now() / 1000;
const selector = 'up{job="prometheus"}';
const summary = (s: RawSamples) => [...s].map(([k, v]) => `${k}: ${v.length} samples`).join("; ");

/** Polls until the store holds exactly Prometheus' own samples of the window (the store lags by a batch and its flush). */
async function storeHasEverySample(startS: number, endS: number, deadlineMs: number): Promise<RawSamples> {
    const own = await prometheusRaw(api, selector, startS, endS, externalLabels(m));
    assert.ok([...own.values()].some((v) => v.length > 0), "Prometheus has samples of the window");
    let stored: RawSamples = new Map();
    try {
        await waitFor(async () => {
            stored = await victoriaMetricsRaw(vmUrl, selector, startS, endS);
            return JSON.stringify([...stored]) === JSON.stringify([...own]);
        }, deadlineMs, "the store to hold every sample of the window");
    } catch {
        assert.fail(`the store differs from Prometheus for ${startS}–${endS}: store ${summary(stored)}; Prometheus ${summary(own)}`);
    }
    return stored;
}

async function remoteWriteBehind(): Promise<string | undefined> {
    return (await api.alerts()).find((a) => a.labels.alertname === "RemoteWriteBehind" && a.labels.remote_name === embeddedStoreName)?.state;
}

test("rehearsal: every sample Prometheus scrapes arrives in the store, with the environment and host labels", async (t) => {
    if (!toolsPresent(t)) return;
    const start = nowS();
    await new Promise((r) => setTimeout(r, 8000));
    const stored = await storeHasEverySample(start, nowS() - 1, 30_000);
    const [labels] = [...stored.keys()].map((k) => Object.fromEntries(JSON.parse(k) as [string, string][]));
    assert.equal(labels.environment, "rehearsal");
    assert.equal(labels.host, "monitoring-rehearsal");
    assert.equal(await remoteWriteBehind(), undefined, "no backlog alert while the store answers");
});

test("rehearsal: the store down long enough fires RemoteWriteBehind; once it is back the alert resolves and no sample of the outage is lost", async (t) => {
    if (!toolsPresent(t)) return;
    const outageStart = nowS();
    await terminate(vm);
    // Threshold 10 s, `for` 5m / 15 = 20 s, evaluation every second.
    await waitFor(async () => (await remoteWriteBehind()) === "firing", 90_000, "RemoteWriteBehind to fire while the store is down");
    const outageSeconds = nowS() - outageStart;
    assert.ok(outageSeconds >= behindSeconds + 20 - 2, `fired after ${outageSeconds.toFixed(1)} s: not before threshold + for`);
    launch(vm, "victoria-metrics", vmArgs, dir);
    await ready(vm, 30_000, () => httpOk(`${vmUrl}/health`));
    const outageEnd = nowS();
    await new Promise((r) => setTimeout(r, 3000));
    const stored = await storeHasEverySample(outageStart - 5, outageEnd + 2, 60_000);
    const count = Math.max(...[...stored.values()].map((v) => v.length));
    t.diagnostic(`store down ${outageSeconds.toFixed(1)} s until RemoteWriteBehind fired; ${count} samples of the window all arrived after the restart`);
    assert.ok(count >= outageSeconds, `${count} samples of a ${outageSeconds.toFixed(0)} s outage at a 1 s scrape interval`);
    const failed = await api.query("sum(prometheus_remote_storage_samples_failed_total)");
    assert.equal(failed[0]?.values[0][1], 0, "nothing was dropped: an unreachable store is retried, not given up on");
    await waitFor(async () => (await remoteWriteBehind()) === undefined, 60_000, "RemoteWriteBehind to resolve once the store caught up");
});

test("rehearsal: an agent-mode Prometheus pushes a fleet host's node-exporter into the store, with that host's label", async (t) => {
    if (!toolsPresent(t)) return;
    const nePort = await freePort();
    launch(nodeExporter, "prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${nePort}`, "--collector.disable-defaults", "--collector.loadavg", "--collector.meminfo"], dir);
    await ready(nodeExporter, 20_000, () => httpOk(`http://127.0.0.1:${nePort}/metrics`));
    const rendered = renderAgentPrometheus(mAgent, edge);
    const root = path.join(dir, "agent");
    writeFiles(root, [...rendered.files]);
    const main = path.join(root, prometheusConfigFile);
    // The fleet host's exporter port (9100) is this machine's node-exporter on a free port; the central store is the loopback one.
    const config = fs.readFileSync(main, "utf8").replace(`- ${edge.address}:9100`, `- 127.0.0.1:${nePort}`).replace(/scrape_interval: 15s/, "scrape_interval: 1s").replace(/scrape_timeout: 10s/, "scrape_timeout: 1s");
    fs.writeFileSync(main, rewriteRemoteWrite(config, new Map([[central, `${vmUrl}/api/v1/write`]])));
    const agentPort = await freePort();
    const args = forDebianAgent(rewriteCommand(rendered.command, `127.0.0.1:${agentPort}`, new Map([
        [containerPaths.prometheusConfigDir, path.join(root, "prometheus")], [agentDataPath, path.join(root, "data")],
    ])).map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=127.0.0.1:${agentPort}` : a)));
    assert.ok(args.includes("--enable-feature=agent"));
    launch(agent, "prometheus", args, root);
    await ready(agent, 30_000, () => httpOk(`http://127.0.0.1:${agentPort}/-/ready`));
    const series = await waitFor(async () => {
        const found = await victoriaMetricsRaw(vmUrl, `node_load1{job="${fleetJobs.node["private-network"]}"}`, nowS() - 60, nowS());
        return [...found.keys()].map((k) => Object.fromEntries(JSON.parse(k) as [string, string][])).find((l) => l.host === edge.name);
    }, 60_000, "the pushed node_load1 of edge-1 in the store");
    assert.equal(series.environment, "rehearsal");
    assert.equal(series.role, "edge", "the fleet host's own labels come along");
    assert.equal(series.job, fleetJobs.node["private-network"], "the job name a pulled host's node-exporter has");
    assert.equal(series.instance, "edge-1:9100");
});
