// The store-ruler rules of push hosts (render/agent.ts pushHostRules), run by Debian's promtool:
// a push host that stops sending fires HostDown after pushHostSilentWindow, one that keeps
// sending (even with an exporter down) does not, and another stack's host of the same name does
// not stand in for it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { pushHostRules } from "../../render/agent";
import { toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";

const m = parseStackConfig("prod", {
    hetznerSshKeyName: "deploy",
    remoteWrite: [{ name: "central", url: "https://vm.example.com/api/v1/write" }],
    hosts: [{ name: "edge-1", push: true, ssh: { user: "deploy", address: "edge-1.example.net", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEdge" } }],
}).monitoring;

test("promtool: a push host silent for 5 minutes fires HostDown in the store's ruler; one still pushing does not", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    const rules = pushHostRules(m);
    assert.ok(rules);
    inTempDir("push-host-rules", (dir) => {
        fs.writeFileSync(path.join(dir, "push-hosts.yml"), rules);
        const series = (labels: string, values: string) => `      - series: 'up{job="node-fleet",host="edge-1",instance="edge-1:9100",${labels}}'\n        values: '${values}'\n`;
        fs.writeFileSync(path.join(dir, "test.yml"), [
            "rule_files: [push-hosts.yml]",
            "evaluation_interval: 1m",
            "tests:",
            // Pushing until minute 2, then nothing; the same name in another environment keeps pushing.
            "  - interval: 1m",
            "    input_series:",
            series('environment="prod"', "1 1 1"),
            series('environment="staging"', "1x12"),
            "    alert_rule_test:",
            "      - { eval_time: 6m, alertname: HostDown, exp_alerts: [] }",
            "      - eval_time: 8m",
            "        alertname: HostDown",
            "        exp_alerts:",
            "          - exp_labels: { severity: critical, job: node-fleet, host: edge-1, environment: prod }",
            "            exp_annotations:",
            "              summary: Host edge-1 has pushed nothing for 5m",
            `              description: "No sample of edge-1's node-exporter reached the store for 5m: the machine, its network, its agent Prometheus or its credentials for the store are gone."`,
            `              runbook: "${(/runbook: (.*)/.exec(rules) ?? [])[1]}"`,
            // The agent still pushes, its node-exporter down (up 0): not HostDown.
            "  - interval: 1m",
            "    input_series:",
            series('environment="prod"', "1 1 0x10"),
            "    alert_rule_test:",
            "      - { eval_time: 10m, alertname: HostDown, exp_alerts: [] }",
            "",
        ].join("\n"));
        const result = spawnSync("promtool", ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8" });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    });
});

test("no push host: no store-ruler rules", () => {
    assert.equal(pushHostRules({ ...m, hosts: [] }), undefined);
});
