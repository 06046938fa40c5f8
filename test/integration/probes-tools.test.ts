// The rendered probe files checked by the real tools: Debian's blackbox exporter (0.23, the
// deployed image is 0.27: rehearsal/skew.ts) accepts blackbox.yml for every kind and option with
// the same --config.check the swap runs, and refuses a broken one; promtool accepts prometheus.yml
// with the probe jobs and their relabelling.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { containerPaths } from "../../model/catalog";
import { renderPrometheus } from "../../render/prometheus";
import { renderBlackboxConfig } from "../../render/probes";
import { runTool, toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";

const blackbox = "prometheus-blackbox-exporter";

const m = parseStackConfig("prod", {
    hetznerSshKeyName: "deploy",
    probes: [
        { name: "shop", kind: "http", url: "https://shop.example.com/health", validStatusCodes: [200, 204], bodyRegex: "\"status\":\\s*\"(ok|up)\"", labels: { team: "web" } },
        { name: "db", kind: "tcp", target: "db.example.com:5432" },
        { name: "smtps", kind: "tcp", target: "mail.example.com:465", tls: true },
        { name: "gateway", kind: "icmp", host: "203.0.113.1" },
        { name: "mx", kind: "dns", server: "1.1.1.1", queryName: "example.com", queryType: "MX" },
    ],
}).monitoring;

function check(dir: string, content: string): { status: number | null; output: string } {
    const file = path.join(dir, "blackbox.yml");
    fs.writeFileSync(file, content);
    const r = spawnSync(blackbox, ["--config.check", `--config.file=${file}`], { encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("the blackbox exporter's --config.check accepts blackbox.yml with every probe kind and option", (t) => {
    if (!toolAvailable(t, blackbox)) return;
    inTempDir("blackbox-check", (dir) => {
        const result = check(dir, renderBlackboxConfig(m)[0].content);
        assert.equal(result.status, 0, result.output);
    });
});

test("the same check refuses a module it cannot run, so the swap keeps the previous release", (t) => {
    if (!toolAvailable(t, blackbox)) return;
    inTempDir("blackbox-check", (dir) => {
        const broken = renderBlackboxConfig(m)[0].content.replace("query_type: MX", "query_type: MX\n      no_such_option: true");
        assert.notEqual(broken, renderBlackboxConfig(m)[0].content);
        const result = check(dir, broken);
        assert.notEqual(result.status, 0, "a module with an unknown key is refused");
        assert.match(result.output, /no_such_option/);
    });
});

test("promtool accepts prometheus.yml with the probe jobs", (t) => {
    if (!toolAvailable(t, "promtool")) return;
    inTempDir("probe-jobs", (dir) => {
        const file = path.join(dir, "prometheus.yml");
        fs.writeFileSync(file, renderPrometheus(m)[0].content.replaceAll(containerPaths.prometheusConfigDir, dir));
        runTool("promtool", ["check", "config", file]);
    });
});
