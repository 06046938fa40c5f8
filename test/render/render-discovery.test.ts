// Hetzner server discovery (config/discovery.ts, render/discovery.ts): parsed with problems that
// name the key, rendered as a hetzner_sd_configs job that keeps only labelled servers on the private
// network and scrapes their private address, with the token in a secret file; promtool 2.42 accepts it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import type { MonitoringConfig } from "../../model/stack";
import { hetznerScrapeConfig, metaLabelSuffix, type HetznerScrapeConfig } from "../../render/discovery";
import { renderAlertmanager } from "../../render/alertmanager";
import { renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";
import { problemsIfRefused } from "../configProblems";

const keys = { hetznerDiscoveryLabelSelector: "monitoring=fleet", hetznerDiscoveryNetwork: "vpsm-private", hetznerDiscoveryToken: "hcloud-token-SECRET" };

function monitoring(raw: Record<string, unknown> = keys): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}

function problems(raw: Record<string, unknown>): readonly string[] {
    return problemsIfRefused(() => monitoring(raw)) ?? [];
}

test("discovery: off by default; the three keys parse into one selector, network and token", () => {
    assert.equal(monitoring({}).hetznerDiscovery, undefined);
    assert.deepEqual(monitoring().hetznerDiscovery, { label: { name: "monitoring", value: "fleet" }, network: "vpsm-private", token: "hcloud-token-SECRET" });
});

test("discovery: a selector that is not name=value, a missing network or token are refused naming the key", () => {
    const bad = problems({ ...keys, hetznerDiscoveryLabelSelector: "env in (a,b)" });
    assert.ok(bad.some((p) => p.startsWith("hetznerDiscoveryLabelSelector: \"env in (a,b)\" must be one Hetzner label as name=value")), bad.join("\n"));
    assert.ok(problems({ ...keys, hetznerDiscoveryNetwork: "" }).some((p) => p.startsWith("hetznerDiscoveryNetwork:")));
    assert.ok(problems({ ...keys, hetznerDiscoveryToken: "" }).some((p) => p.startsWith("hetznerDiscoveryToken: required")));
    assert.ok(problems({ hetznerDiscoveryToken: "t" }).some((p) => p.startsWith("hetznerDiscoveryToken: set, but hetznerDiscoveryLabelSelector is empty")));
    assert.equal(parseStackConfig("test", { hetznerSshKeyName: "deploy", ...keys, hetznerDiscoveryToken: "" }, { withoutSecrets: true }).monitoring.hetznerDiscovery?.network, "vpsm-private");
});

test("discovery: the job keeps labelled servers on the private network, scrapes port 9100 there, labels host with the server name", () => {
    const job = hetznerScrapeConfig({ label: { name: "example.com/role", value: "bot.v2" }, network: "vpsm-private", token: "t" });
    assert.equal(job.job_name, "node-hetzner");
    assert.deepEqual(job.hetzner_sd_configs, [{ role: "hcloud", authorization: { credentials_file: "/etc/prometheus/current/secrets/hetzner-sd-token" }, refresh_interval: "5m" }]);
    assert.deepEqual(job.relabel_configs, [
        { source_labels: ["__meta_hetzner_hcloud_label_example_com_role"], regex: "bot\\.v2", action: "keep" },
        { source_labels: ["__meta_hetzner_hcloud_private_ipv4_vpsm_private"], regex: ".+", action: "keep" },
        { source_labels: ["__meta_hetzner_hcloud_private_ipv4_vpsm_private"], regex: "(.+)", target_label: "__address__", replacement: "$1:9100" },
        { source_labels: ["__meta_hetzner_server_name"], target_label: "host" },
    ]);
    assert.equal(metaLabelSuffix("a-b.c/d"), "a_b_c_d");
});

test("discovery: the token is a secret file, never in prometheus.yml; HostDown and its inhibition are rendered", () => {
    const m = monitoring();
    const files = renderPrometheus(m);
    const token = files.find((f) => f.path === "prometheus/secrets/hetzner-sd-token");
    assert.deepEqual(token && { secret: token.secret, owner: token.owner, content: token.content }, { secret: true, owner: 65534, content: "hcloud-token-SECRET" });
    const main = files.find((f) => f.path === "prometheus/prometheus.yml");
    assert.ok(main && !main.content.includes("hcloud-token-SECRET"));
    const jobs = (load(main.content) as { scrape_configs: HetznerScrapeConfig[] }).scrape_configs;
    assert.ok(jobs.some((j) => j.job_name === "node-hetzner"));
    assert.ok(renderRules(m).some((f) => f.path.endsWith("/fleet.yml")));
    assert.match(renderAlertmanager(m)[0].content, /alertname="HostDown"/);
    assert.ok(!renderPrometheus(monitoring({})).some((f) => f.path.includes("hetzner")));
});

test("discovery: promtool 2.42 accepts the job (no label_selector: that field needs Prometheus 3.5)", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    inTempDir("discovery-config", (dir) => {
        const files = renderPrometheus(monitoring());
        for (const f of files) {
            const file = path.join(dir, f.path);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, f.content.replaceAll("/etc/prometheus/current/", `${path.join(dir, "prometheus")}/`));
        }
        const result = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus", "prometheus.yml")], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
        // The skew this avoids: 2.42 refuses label_selector.
        const withSelector = files[0].content.replace("role: hcloud", "role: hcloud\n        label_selector: monitoring=fleet").replaceAll("/etc/prometheus/current/", `${path.join(dir, "prometheus")}/`);
        fs.writeFileSync(path.join(dir, "prometheus", "selector.yml"), withSelector);
        const refused = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus", "selector.yml")], { encoding: "utf8" });
        assert.notEqual(refused.status, 0, "promtool 2.42 refuses label_selector (if it stops refusing, Debian moved on: revisit render/discovery.ts)");
    });
});

test("fleet job names are reserved: an app or a Redis entry that would take one is refused", () => {
    assert.ok(problems({ apps: [{ job: "node-fleet", targets: ["a:1"] }] }).some((p) => p.startsWith('apps[0].job: job name "node-fleet" is reserved for the fleet\'s agents')));
    assert.ok(problems({ redis: [{ name: "fleet-tls", address: "r:6379" }] }).some((p) => p.startsWith('redis[0].name: "fleet-tls" would name job redis-fleet-tls, reserved')));
    assert.deepEqual(problems({ apps: [{ job: "bot", targets: ["a:1"] }], redis: [{ name: "main", address: "r:6379" }] }), []);
});
