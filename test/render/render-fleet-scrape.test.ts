// The fleet as rendered (render/fleet.ts): scrape jobs with a `host` label on every target, TLS and
// basic auth for `tls` hosts, HostDown for the fleet's node jobs only, and its inhibition of the
// same host's other alerts, checked by applying the rendered inhibit rules to alerts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { durationMs } from "../../config/units";
import type { FleetHost } from "../../model/fleet";
import type { MonitoringConfig } from "../../model/stack";
import { renderAlertmanager } from "../../render/alertmanager";
import { fleetJobs, hostDownRule } from "../../render/fleetScrape";
import { isAlert, ruleGroups } from "../../render/rules";
import { renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { fleetAppJobs, fleetJobNames, fleetRedisJobs } from "../../render/fleetScrape";
import { rewritePrometheus, type Addresses } from "../../rehearsal/rewrite";
import { inTempDir } from "../tempDir";
import { toolAvailable } from "../externalTools";

interface ScrapeJob {
    job_name: string;
    metrics_path?: string;
    scheme?: string;
    tls_config?: { ca_file: string; cert_file: string; key_file: string };
    basic_auth?: { username: string; password_file: string };
    static_configs: { targets: string[]; labels?: Record<string, string> }[];
}
interface InhibitRule { source_matchers: string[]; target_matchers: string[]; equal: string[] }
interface RuleYaml { alert?: string; expr: string; for?: string }

const primary: FleetHost = {
    name: "primary", address: "10.92.3.27", labels: { role: "primary" }, agents: true, transport: "private-network",
    redis: [{ name: "main", port: 6379 }, { name: "cache", port: 6380 }], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }],
};
const standby: FleetHost = {
    name: "standby", address: "192.168.7.28", labels: { role: "standby" }, agents: true, transport: "tls",
    redis: [{ name: "main", port: 6379 }], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }],
};
const legacy: FleetHost = { name: "legacy", address: "10.92.3.30", labels: {}, agents: false, transport: "private-network", redis: [], apps: [] };

function monitoring(hosts: readonly FleetHost[]): MonitoringConfig {
    // `hosts` set directly: the config parser fills it once the `hosts` key is read.
    return { ...parseStackConfig("test", { hetznerSshKeyName: "deploy", serverName: "monitoring-1" }).monitoring, hosts };
}

function jobs(m: MonitoringConfig): ScrapeJob[] {
    return (load(renderPrometheus(m)[0].content) as { scrape_configs: ScrapeJob[] }).scrape_configs;
}

function job(m: MonitoringConfig, name: string): ScrapeJob {
    const found = jobs(m).find((j) => j.job_name === name);
    assert.ok(found, `no job ${name}: ${jobs(m).map((j) => j.job_name).join(", ")}`);
    return found;
}

function targets(j: ScrapeJob): { target: string; labels: Record<string, string> }[] {
    return j.static_configs.flatMap((c) => c.targets.map((target) => ({ target, labels: c.labels ?? {} })));
}

test("fleet: node-exporter and Redis exporters of private-network hosts in plain jobs, every target with its host label", () => {
    const m = monitoring([primary, standby, legacy]);
    assert.deepEqual(targets(job(m, fleetJobs.node["private-network"])), [
        { target: "10.92.3.27:9100", labels: { role: "primary", host: "primary" } },
        { target: "10.92.3.30:9100", labels: { host: "legacy" } },
    ]);
    assert.deepEqual(targets(job(m, fleetJobs.redis["private-network"])), [
        { target: "10.92.3.27:9121", labels: { role: "primary", redis: "main", host: "primary" } },
        { target: "10.92.3.27:9122", labels: { role: "primary", redis: "cache", host: "primary" } },
    ]);
    for (const name of [fleetJobs.node["private-network"], fleetJobs.redis["private-network"]]) {
        const j = job(m, name);
        assert.equal(j.scheme, undefined);
        assert.equal(j.tls_config, undefined);
        assert.equal(j.basic_auth, undefined);
    }
});

test("fleet: tls hosts are scraped over https with the fleet CA and basic auth from files in the prometheus release", () => {
    const m = monitoring([primary, standby]);
    for (const name of [fleetJobs.node.tls, fleetJobs.redis.tls]) {
        const j = job(m, name);
        assert.equal(j.scheme, "https");
        assert.deepEqual(j.tls_config, {
            ca_file: "/etc/prometheus/current/secrets/fleet-ca.crt",
            cert_file: "/etc/prometheus/current/secrets/fleet-client.crt",
            key_file: "/etc/prometheus/current/secrets/fleet-client.key",
        });
        assert.deepEqual(j.basic_auth, { username: "prometheus", password_file: "/etc/prometheus/current/secrets/fleet-agent-password" });
        assert.ok(targets(j).every((t) => t.labels.host === "standby" && t.target.startsWith("192.168.7.28:")));
    }
    assert.doesNotMatch(renderPrometheus(m)[0].content, /password:/, "no inline password");
});

test("fleet: an app on several hosts is one job with a target per host; a user label cannot override host", () => {
    const spoof: FleetHost = { ...standby, labels: { host: "primary" } };
    const bot = job(monitoring([primary, spoof]), "bot");
    assert.equal(bot.metrics_path, "/metrics");
    assert.deepEqual(targets(bot).map((t) => [t.target, t.labels.host]), [["10.92.3.27:9200", "primary"], ["192.168.7.28:9200", "standby"]]);
});

test("fleet: the monitoring host's own node job carries host = hostLabel; no fleet jobs without hosts", () => {
    const alone = monitoring([]);
    assert.deepEqual(targets(job(alone, "node")).map((t) => t.labels), [{ host: "monitoring-1" }]);
    assert.ok(!jobs(alone).some((j) => j.job_name.includes("fleet")));
    assert.ok(!renderRules(alone).some((f) => f.path.endsWith("/fleet.yml")), "no HostDown without fleet");
});

function rules(m: MonitoringConfig): RuleYaml[] {
    return renderRules(m).flatMap((f) => (load(f.content) as { groups: { rules: RuleYaml[] }[] }).groups.flatMap((g) => g.rules));
}

test("fleet: TargetDown covers every fleet job; host rules cover the fleet's node jobs even without a local node-exporter", () => {
    const m = { ...monitoring([primary, standby]), nodeExporter: { ...monitoring([]).nodeExporter, enabled: false } };
    const all = rules(m);
    for (const name of ["node-fleet", "node-fleet-tls", "redis-fleet", "redis-fleet-tls", "bot"]) {
        assert.ok(all.some((r) => r.alert === "TargetDown" && r.expr === `up{job="${name}"} == 0`), `TargetDown for ${name}`);
    }
    const memory = all.find((r) => r.alert === "HostMemoryHigh");
    assert.ok(memory, "host group rendered for the fleet");
    assert.match(memory.expr, /job=~"node\|node-fleet\|node-fleet-tls\|node-hetzner"/);
});

test("fleet: HostDown is on the fast path, and its `for` leaves a scrape interval before the alerts it holds back fire", () => {
    const m = monitoring([primary]);
    const all = ruleGroups(m).flatMap((g) => g.rules.filter(isAlert));
    const hostDown = all.find((r) => r.alert === "HostDown");
    assert.ok(hostDown?.pages, "HostDown pages on the fast path");
    assert.equal(durationMs(hostDown.for ?? "0s"), durationMs(m.paging.for) - durationMs(m.paging.scrapeInterval));
    const heldBack = all.filter((r) => r.alert === "TargetDown" || r.alert === "RedisDown");
    assert.ok(heldBack.some((r) => r.pages), "the fleet's app and Redis alerts page fast too");
    for (const r of heldBack) {
        const scrape = r.pages ? m.paging.scrapeInterval : m.prometheus.scrapeInterval;
        assert.ok(durationMs(hostDown.for ?? "0s") + durationMs(scrape) <= durationMs(r.for ?? "0s"),
            `${r.alert} (${r.expr}) for ${r.for}: HostDown's ${hostDown.for} + one scrape (${scrape}) must not exceed it`);
    }
});

// --- inhibition, applied as Alertmanager does: source and target matchers, `equal` labels ---------

function matches(matcher: string, labels: Readonly<Record<string, string>>): boolean {
    const m = /^(\w+)(=~|!~|!=|=)"(.*)"$/.exec(matcher);
    assert.ok(m, `matcher ${matcher} not understood by this test`);
    const [, name, op, value] = m;
    const actual = labels[name] ?? "";
    switch (op) {
        case "=": return actual === value;
        case "!=": return actual !== value;
        case "=~": return new RegExp(`^(?:${value})$`).test(actual);
        default: return !new RegExp(`^(?:${value})$`).test(actual);
    }
}

/** Alerts (by index) that some firing alert inhibits through `rules`. */
function inhibited(rulesIn: readonly InhibitRule[], alerts: readonly Record<string, string>[]): number[] {
    return alerts.flatMap((target, i) => rulesIn.some((r) => r.target_matchers.every((m) => matches(m, target)) && alerts.some((source, j) =>
        j !== i && r.source_matchers.every((m) => matches(m, source)) && r.equal.every((l) => (source[l] ?? "") === (target[l] ?? "")))) ? [i] : []);
}

test("fleet: HostDown holds back that host's other alerts, nothing of another host or of the monitoring host", () => {
    const { inhibit_rules } = load(renderAlertmanager(monitoring([primary, standby]))[0].content) as { inhibit_rules: InhibitRule[] };
    // As Alertmanager receives them: alerts without a host label got the external one (the monitoring host).
    const alerts = [
        { alertname: "HostDown", severity: "critical", host: "standby", job: "node-fleet-tls", instance: "192.168.7.28:9100" },
        { alertname: "TargetDown", severity: "critical", host: "standby", job: "bot", instance: "192.168.7.28:9200" },
        { alertname: "RedisDown", severity: "critical", host: "standby", job: "redis-fleet-tls", instance: "192.168.7.28:9121" },
        { alertname: "TargetDown", severity: "critical", host: "primary", job: "bot", instance: "10.92.3.27:9200" },
        { alertname: "TargetDown", severity: "critical", host: "monitoring-1", job: "grafana", instance: "grafana:3000" },
        { alertname: "HostDown", severity: "critical", host: "legacy", job: "node-fleet", instance: "10.92.3.30:9100" },
    ];
    assert.deepEqual(inhibited(inhibit_rules, alerts), [1, 2]);
    const alone = load(renderAlertmanager(monitoring([]))[0].content) as { inhibit_rules: InhibitRule[] };
    assert.ok(!JSON.stringify(alone.inhibit_rules).includes("HostDown"), "no HostDown inhibition without a fleet");
});

test("fleet: promtool 2.42 accepts the rendered fleet scrape config", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    inTempDir("fleet-config", (dir) => {
        const m = monitoring([primary, standby, legacy]);
        const text = renderPrometheus(m)[0].content.replaceAll("/etc/prometheus/current/", `${dir}/`);
        fs.writeFileSync(path.join(dir, "prometheus.yml"), text);
        const result = spawnSync("promtool", ["check", "config", "--syntax-only", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    });
});

test("fleet: the rehearsal moves fleet targets to their namespace addresses only, keeping ports, and refuses the rest", () => {
    const m = monitoring([primary, legacy]);
    const byJob = new Map(jobs(m).filter((j) => !fleetJobNames(m).includes(j.job_name)).map((j) => [j.job_name, "127.0.0.1:1"]));
    const addr = (addressByHost: ReadonlyMap<string, string>): Addresses => ({
        prometheus: "127.0.0.1:9", alertmanager: "127.0.0.1:8", byJob, plainHttpJobs: new Set(), fleet: { jobs: new Set(fleetJobNames(m)), addressByHost },
    });
    const rewritten = load(rewritePrometheus(renderPrometheus(m)[0].content, addr(new Map([["primary", "10.213.1.2"], ["legacy", "10.213.1.6"]])), 1, ".")) as { scrape_configs: ScrapeJob[] };
    const fleetTargets = rewritten.scrape_configs.filter((j) => fleetJobNames(m).includes(j.job_name)).flatMap(targets).map((t) => `${t.labels.host} ${t.target}`);
    assert.deepEqual(fleetTargets.sort(), ["legacy 10.213.1.6:9100", "primary 10.213.1.2:9100", "primary 10.213.1.2:9121", "primary 10.213.1.2:9122", "primary 10.213.1.2:9200"]);
    assert.throws(() => rewritePrometheus(renderPrometheus(m)[0].content, addr(new Map([["primary", "10.213.1.2"]])), 1, "."), /host legacy\) has no namespace stand-in/);
    const tls = monitoring([standby]);
    assert.throws(() => rewritePrometheus(renderPrometheus(tls)[0].content, { ...addr(new Map([["standby", "10.213.1.2"]])), fleet: { jobs: new Set(fleetJobNames(tls)), addressByHost: new Map([["standby", "10.213.1.2"]]) } }, 1, "."), /runs no TLS agents/);
    const discovering = { ...m, hetznerDiscovery: { label: { name: "a", value: "b" }, network: "n", token: "t" } };
    assert.throws(() => rewritePrometheus(renderPrometheus(discovering)[0].content, addr(new Map([["primary", "10.213.1.2"], ["legacy", "10.213.1.6"]])), 1, "."), /uses hetzner_sd_configs/);
});

test("Hetzner discovery adds its node job to the fleet's jobs; app jobs are neither Redis nor node jobs", () => {
    const discovery = { label: { name: "monitoring", value: "prod" }, network: "net", token: "t" };
    assert.deepEqual(fleetJobNames({ hosts: [], hetznerDiscovery: discovery }), ["node-hetzner"]);
    assert.deepEqual(fleetJobNames({ hosts: [], hetznerDiscovery: undefined }), []);
    assert.deepEqual(fleetAppJobs({ hosts: [primary, standby], hetznerDiscovery: discovery }), ["bot"]);
    assert.deepEqual(fleetRedisJobs({ hosts: [primary, standby], hetznerDiscovery: undefined }), ["redis-fleet", "redis-fleet-tls"]);
});

test("fleet: Redis rules watch a fleet host's Redis without a local one; no probe rules without probes", () => {
    const groups = (m: MonitoringConfig) => ruleGroups(m).map((g) => g.name);
    assert.deepEqual(groups(monitoring([primary])), ["meta", "host", "redis", hostDownRule.group]);
    assert.deepEqual(groups(monitoring([legacy])), ["meta", "host", hostDownRule.group]);
});

test("fleet: one heartbeat alert watches every fleet app job; a fleet without apps gets HostDown alone, in its fast-path group", () => {
    const worker = { job: "worker", port: 9300, metricsPath: "/metrics" };
    const m = monitoring([{ ...primary, apps: [...primary.apps, worker] }]);
    const fleet = ruleGroups(m).find((g) => g.name === hostDownRule.group);
    const heartbeats = (fleet?.rules ?? []).filter(isAlert).filter((r) => r.alert === "AppHeartbeatStale");
    assert.equal(heartbeats.length, 1);
    assert.match(heartbeats[0].expr, /job=~"bot\|worker"/);
    const bare = monitoring([legacy]);
    assert.deepEqual(ruleGroups(bare).find((g) => g.name === hostDownRule.group)?.rules.filter(isAlert).map((r) => r.alert), ["HostDown"]);
    const file = renderRules(bare).find((f) => f.path.endsWith("/fleet.yml"));
    assert.deepEqual((load(file?.content ?? "") as { groups: { name: string }[] }).groups.map((g) => g.name), [`${hostDownRule.group}-paging`]);
});
