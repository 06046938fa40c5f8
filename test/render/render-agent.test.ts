// The agent-mode prometheus.yml of a fleet host that pushes (FleetHost.push): same job, instance
// and labels as the monitoring host would scrape, the stack's external labels with the fleet
// host's name, only the user's stores as targets, nothing agent mode refuses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import type { FleetHost } from "../../model/fleet";
import { renderAgentPrometheus } from "../../render/agent";

const m = parseStackConfig("prod", {
    hetznerSshKeyName: "deploy", victoriaMetrics: true,
    remoteWrite: [{ name: "central", url: "https://vm.example.com/api/v1/write", bearerToken: "tok-xyz" }],
}).monitoring;
const host: FleetHost = {
    name: "edge-1", address: "10.0.0.7", labels: { role: "edge" }, agents: true, transport: "tls", push: true,
    redis: [{ name: "cache", port: 6379 }], apps: [{ job: "api", port: 8000, metricsPath: "/metrics" }],
};

interface AgentYaml {
    global: { external_labels: Record<string, string> };
    scrape_configs: { job_name: string; scheme?: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
    remote_write: { name: string; authorization?: { credentials_file: string } }[];
    rule_files?: unknown;
    alerting?: unknown;
}

test("the agent scrapes the host's agents where the monitoring host would, labelled as the fleet host, and pushes to the user's stores", () => {
    const rendered = renderAgentPrometheus(m, host);
    const doc = load(rendered.files[0].content) as AgentYaml;
    assert.deepEqual(doc.global.external_labels, { environment: "prod", host: "edge-1" });
    assert.deepEqual(doc.scrape_configs.map((j) => [j.job_name, j.static_configs[0].targets[0], j.scheme]), [
        ["node", "10.0.0.7:9100", "https"], ["redis-cache", "10.0.0.7:9121", "https"], ["api", "10.0.0.7:8000", "https"],
    ]);
    assert.ok(doc.scrape_configs.every((j) => j.static_configs[0].labels?.role === "edge"));
    assert.deepEqual(doc.remote_write.map((t) => t.name), ["central"], "not the embedded store: a fleet host cannot reach it");
    assert.equal(doc.rule_files, undefined);
    assert.equal(doc.alerting, undefined);
    assert.ok(!rendered.files[0].content.includes("tok-xyz"));
    assert.deepEqual(rendered.files.filter((f) => f.secret).map((f) => [f.path, f.content]), [["prometheus/secrets/remote-write-central-token", "tok-xyz"]]);
    assert.equal(rendered.command[0], "--agent");
});

test("a pushing host needs a store it can reach", () => {
    const alone = parseStackConfig("prod", { hetznerSshKeyName: "deploy", victoriaMetrics: true }).monitoring;
    assert.throws(() => renderAgentPrometheus(alone, host), /hosts edge-1: push needs a remoteWrite store/);
});
