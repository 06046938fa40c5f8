// `npm run render -- <stack>` and the generated README table: what a user reads before deploying.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { renderStack } from "../../scripts/render";
import { regenerateReadme } from "../../scripts/docs";
import { projectDir } from "../../config/stackFiles";

test("the README's configuration and alert tables are generated and up to date", () => {
    const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
    assert.equal(readme, regenerateReadme(readme), "run `npm run docs` and commit README.md");
});

test("render -- prod writes every deployed configuration file, and no secret", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    try {
        const written = renderStack("prod", out);
        for (const expected of [
            "monitoring/prometheus/prometheus.yml",
            "monitoring/alertmanager/alertmanager.yml",
            "monitoring/grafana/provisioning/datasources/datasources.yml",
            "monitoring/grafana/provisioning/dashboards/dashboards.yml",
            "monitoring/grafana/dashboards/Monitoring/overview.json",
            "host/cloud-init.yml",
            "SUMMARY.txt",
        ]) assert.ok(written.includes(expected), `${expected} missing from ${written.join(", ")}`);
        assert.ok(!written.some((w) => w.includes("/secrets/")), "secret files are never rendered");
        const prometheus = yaml.load(fs.readFileSync(path.join(out, "monitoring/prometheus/prometheus.yml"), "utf8")) as { global: Record<string, string> };
        assert.equal(prometheus.global.scrape_interval, "15s");
        const summary = fs.readFileSync(path.join(out, "SUMMARY.txt"), "utf8");
        assert.match(summary, /-L 3001:127\.0\.0\.1:3001/);
        assert.match(summary, /\/opt\/monitoring\/prod\/alertmanager\/current\/secrets\/telegram-bot_token/, "secrets are listed where the service reads them");
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
});

test("render refuses invalid configuration with the key and the fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    try {
        fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  vps-monitoring:retentionTime: 7 days\n");
        assert.throws(() => renderStack("bad", path.join(dir, "out"), dir), /retentionTime: "7 days" is not a Prometheus duration/);
        assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing is written when the config is invalid");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
