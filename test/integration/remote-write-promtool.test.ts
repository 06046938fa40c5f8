// The rendered remote_write section as Debian's promtool 2.42 sees it: accepted with its secret
// files in place (headers inlined by forDebianPrometheus, the one field 2.42 lacks), and the
// deployed form is exactly what the skew rewrite undoes.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { containerPaths } from "../../model/catalog";
import { renderPrometheus } from "../../render/prometheus";
import { renderRules } from "../../render/rules";
import { renderAgentPrometheus } from "../../render/agent";
import type { FleetHost } from "../../model/fleet";
import { forDebianPrometheus, prometheusSecrets } from "../../rehearsal/skew";
import { spawnSync } from "node:child_process";
import { toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";

const m = parseStackConfig("test", {
    hetznerSshKeyName: "deploy",
    victoriaMetrics: true,
    remoteWrite: [
        { name: "central", url: "https://vm.example.com/api/v1/write", username: "u", password: "pw-xyz", headers: { "X-Scope-OrgID": "tenant-xyz" }, dropMetrics: ["go_.*"], dropLabels: ["pod"] },
        { name: "cloud", url: "https://p.example.net/api/prom/push", bearerToken: "tok-xyz" },
    ],
}).monitoring;

test("forDebianPrometheus inlines only the file-read headers, with their secret values", () => {
    const files = renderPrometheus(m);
    const inlined = load(forDebianPrometheus(files[0].content, prometheusSecrets(files))) as { remote_write: Record<string, unknown>[] };
    const [, central, cloud] = inlined.remote_write;
    assert.deepEqual(central.headers, { "X-Scope-OrgID": "tenant-xyz" });
    assert.equal(central.http_headers, undefined);
    assert.ok(!("headers" in cloud), "a target without headers gets none");
    assert.match(String((central.basic_auth as Record<string, string>).password_file), /secrets\/remote-write-central-password$/, "password stays a file");
});

test("promtool 2.42 accepts the rendered prometheus.yml with remote_write, rules and secret files", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    inTempDir("remote-write-check", (dir) => {
        const files = [...renderPrometheus(m), ...renderRules(m)];
        const hostDir = path.join(dir, "prometheus");
        for (const f of files) {
            const target = path.join(dir, f.path);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, f.content.replaceAll(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`), { mode: f.secret ? 0o400 : 0o644 });
        }
        const secrets = new Map([...prometheusSecrets(files)].map(([p, v]) => [p.replace(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`), v]));
        const main = path.join(hostDir, "prometheus.yml");
        fs.writeFileSync(main, forDebianPrometheus(fs.readFileSync(main, "utf8"), secrets));
        const result = spawnSync("promtool", ["check", "config", main], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, /remote-write\.yml/, "the remote-write rules were loaded");
    });
});

test("promtool 2.42 accepts the agent-mode prometheus.yml in agent mode (no rules, no alerting)", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    inTempDir("agent-check", (dir) => {
        const host: FleetHost = {
            name: "edge-1", address: "127.0.0.1", labels: { role: "edge" }, agents: true, transport: "private-network", push: true,
            redis: [{ name: "cache", port: 6379 }], apps: [{ job: "api", port: 8000, metricsPath: "/metrics" }],
        };
        const rendered = renderAgentPrometheus(m, host);
        const hostDir = path.join(dir, "prometheus");
        for (const f of rendered.files) {
            const target = path.join(dir, f.path);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, f.content.replaceAll(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`));
        }
        const main = path.join(hostDir, "prometheus.yml");
        const secrets = new Map([...prometheusSecrets(rendered.files)].map(([p, v]) => [p.replace(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`), v]));
        fs.writeFileSync(main, forDebianPrometheus(fs.readFileSync(main, "utf8"), secrets));
        const result = spawnSync("promtool", ["check", "config", "--agent", main], { encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    });
});
