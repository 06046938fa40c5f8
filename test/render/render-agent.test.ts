// The agent-mode prometheus.yml of a fleet host that pushes (FleetHost.push): the same job names
// and labels as the monitoring host gives a pulled host, its agents on loopback, the stack's
// external labels with the fleet host's name, only the user's stores as targets, nothing agent
// mode refuses; and the container's command line that keeps its API on loopback.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import type { FleetHost } from "../../model/fleet";
import { agentReloadCommand, pushHostRules, renderAgentPrometheus } from "../../render/agent";
import { fleetScrapeConfigs, fleetWatched } from "../../render/fleetScrape";

const m = parseStackConfig("prod", {
    hetznerSshKeyName: "deploy", victoriaMetrics: true,
    remoteWrite: [{ name: "central", url: "https://vm.example.com/api/v1/write", bearerToken: "tok-xyz" }],
}).monitoring;
const host: FleetHost = {
    name: "edge-1", address: "127.0.0.1", labels: { role: "edge" }, agents: true, transport: "private-network", push: true,
    redis: [{ name: "cache", port: 6379 }], apps: [{ job: "api", port: 8000, metricsPath: "/metrics" }],
};

interface AgentYaml {
    global: { external_labels: Record<string, string> };
    scrape_configs: { job_name: string; scheme?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
    remote_write: { name: string; authorization?: { credentials_file: string } }[];
    rule_files?: unknown;
    alerting?: unknown;
}

test("the agent scrapes the host's agents on loopback with a pulled host's job names and labels, and pushes to the user's stores", () => {
    const rendered = renderAgentPrometheus(m, host);
    const doc = load(rendered.files[0].content) as AgentYaml;
    assert.deepEqual(doc.global.external_labels, { environment: "prod", host: "edge-1" });
    assert.deepEqual(doc.scrape_configs.map((j) => [j.job_name, j.static_configs.map((c) => c.targets[0]), j.scheme]), [
        ["node-fleet", ["127.0.0.1:9100"], undefined], ["redis-fleet", ["127.0.0.1:9121"], undefined], ["api", ["127.0.0.1:8000"], undefined],
    ]);
    // The same host were it pulled: the monitoring host's jobs and target labels for it.
    const pulled = fleetScrapeConfigs({ hosts: [{ ...host, push: false, address: "10.0.0.7" }] });
    assert.deepEqual(doc.scrape_configs.map((j) => j.job_name), pulled.map((j) => j.job_name));
    doc.scrape_configs.forEach((j, n) => {
        const { instance, ...labels } = j.static_configs[0].labels ?? {};
        assert.deepEqual(labels, pulled[n].static_configs[0].labels, `${j.job_name}: the labels a pulled host's target has`);
        assert.match(instance, /^edge-1:\d+$/, "instance names the host, not the 127.0.0.1 every push host shares");
    });
    assert.deepEqual(doc.remote_write.map((t) => t.name), ["central"], "not the embedded store: a fleet host cannot reach it");
    assert.equal(doc.rule_files, undefined);
    assert.equal(doc.alerting, undefined);
    assert.ok(!rendered.files[0].content.includes("tok-xyz"));
    assert.equal(doc.remote_write[0].authorization?.credentials_file, "/etc/prometheus/current/secrets/remote-write-central-token");
    assert.deepEqual(rendered.files.filter((f) => f.secret).map((f) => [f.path, f.content]), [["prometheus/secrets/remote-write-central-token", "tok-xyz"]]);
});

test("the agent runs in agent mode (the pinned 3.x flag) with its API on loopback and its WAL on the data path", () => {
    const rendered = renderAgentPrometheus(m, host);
    assert.equal(m.prometheus.image, "prom/prometheus:v3.5.0", "--agent is the 3.x spelling; 2.x needs --enable-feature=agent");
    assert.equal(rendered.command[0], "--agent");
    assert.ok(rendered.command.includes("--web.listen-address=127.0.0.1:9090"));
    assert.ok(rendered.command.includes("--storage.agent.path=/prometheus"));
    assert.ok(!rendered.command.some((a) => a.includes("tok-xyz")));
    assert.deepEqual(rendered.binds, [{ hostPath: `${m.configRoot}/agent/prometheus`, containerPath: "/etc/prometheus/current" }]);
    assert.equal(rendered.names.container, "monitoring-prod-prometheus-agent");
    assert.match(rendered.healthcheck, /127\.0\.0\.1:9090\/-\/ready/);
    assert.match(agentReloadCommand(rendered.names), /docker kill --signal=HUP 'monitoring-prod-prometheus-agent'/);
});

test("an agent is never pointed at an address other than loopback", () => {
    assert.throws(() => renderAgentPrometheus(m, { ...host, address: "10.0.0.7" }), /listen on 127\.0\.0\.1, not 10\.0\.0\.7/);
});

test("a pushing host needs a store it can reach", () => {
    const alone = parseStackConfig("prod", { hetznerSshKeyName: "deploy", victoriaMetrics: true }).monitoring;
    assert.throws(() => renderAgentPrometheus(alone, host), /hosts edge-1: push needs a remoteWrite store/);
});

test("the monitoring host neither scrapes a push host nor renders a HostDown that could never see it", () => {
    const pulled: FleetHost = { ...host, name: "lan-1", push: false, address: "10.0.0.7", transport: "tls" };
    assert.deepEqual(fleetScrapeConfigs({ hosts: [host] }), []);
    const jobs = fleetScrapeConfigs({ hosts: [host, pulled] });
    assert.ok(jobs.every((j) => j.static_configs.every((c) => c.labels.host === "lan-1")), "only the pulled host is scraped");
    assert.equal(fleetWatched({ hosts: [host], hetznerDiscovery: undefined }), false);
    assert.equal(fleetWatched({ hosts: [host, pulled], hetznerDiscovery: undefined }), true);
});

test("a push host without Redis gets no Redis job, and the container reads the agent's own prometheus.yml", () => {
    const rendered = renderAgentPrometheus(m, { ...host, redis: [] });
    const doc = load(rendered.files[0].content) as AgentYaml;
    assert.deepEqual(doc.scrape_configs.map((j) => j.job_name), ["node-fleet", "api"]);
    assert.deepEqual(rendered.command, ["--agent", "--config.file=/etc/prometheus/current/prometheus.yml", "--storage.agent.path=/prometheus", "--web.listen-address=127.0.0.1:9090"]);
});

test("the store's ruler gets a HostDown for each push host only, none when every host is pulled", () => {
    const pulled: FleetHost = { ...host, name: "lan-1", push: false, address: "10.0.0.7" };
    const rules = pushHostRules({ ...m, hosts: [pulled, host] });
    const doc = load(rules ?? "") as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
    assert.deepEqual(doc.groups.map((g) => g.rules.map((r) => r.expr)),
        [['absent_over_time(up{job="node-fleet",host="edge-1",environment="prod"}[5m])']]);
    assert.equal(pushHostRules({ ...m, hosts: [pulled] }), undefined);
});
