// Checks rendered files with the real tools: Debian's promtool (2.42) and amtool (0.25).
// Skipped when the tools are missing, except in CI, where a missing tool is a failure.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { containerPaths } from "../components/catalog";
import { parseStackConfig, type MonitoringConfig } from "../components/config";
import { alertmanagerConfigFile, renderAlertmanager } from "../components/render/alertmanager";
import type { RenderedFile } from "../components/render/files";
import { prometheusConfigFile, renderPrometheus } from "../components/render/prometheus";
import { alertmanagerSecrets, forDebianAlertmanager } from "../components/render/skew";
import { stackRawConfig } from "../components/stackFiles";
import { runTool, toolAvailable } from "./externalTools";

function inTempDir(check: (dir: string) => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-check-"));
    try {
        check(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function write(dir: string, relativePath: string, content: string): string {
    const file = path.join(dir, relativePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
}

/** Points in-container paths (/etc/...) at the copy of the service's directory below `dir`. */
function relocate(content: string, containerDir: string, hostDir: string): string {
    return content.replaceAll(`${containerDir}/`, `${hostDir}/`);
}

function checkPrometheus(dir: string, m: MonitoringConfig): void {
    const [file] = renderPrometheus(m);
    const hostDir = path.join(dir, path.dirname(prometheusConfigFile));
    runTool("promtool", ["check", "config", write(dir, file.path, relocate(file.content, containerPaths.prometheusConfigDir, hostDir))]);
}

function assertReferencedFilesExist(config: string): void {
    for (const [, referenced] of config.matchAll(/_file: (\S+)/g)) {
        assert.ok(fs.existsSync(referenced), `referenced file ${referenced} does not exist`);
    }
}

function checkAlertmanager(dir: string, m: MonitoringConfig): void {
    const files: RenderedFile[] = renderAlertmanager(m);
    for (const f of files) write(dir, f.path, f.content);
    const main = files.find((f) => f.path === alertmanagerConfigFile);
    assert.ok(main);
    const hostDir = path.join(dir, path.dirname(alertmanagerConfigFile));
    const config = relocate(forDebianAlertmanager(main.content, alertmanagerSecrets(files)), containerPaths.alertmanagerConfigDir, hostDir);
    assertReferencedFilesExist(config);
    runTool("amtool", ["check-config", write(dir, main.path, config)]);
}

function prodMonitoring(): MonitoringConfig {
    return parseStackConfig("prod", stackRawConfig("prod"), { withoutSecrets: true }).monitoring;
}

/** Every receiver type, fake credentials, a dead man's switch, apps and Redis. */
function allFeaturesMonitoring(): MonitoringConfig {
    return parseStackConfig("test", {
        hetznerSshKeyName: "deploy",
        apps: [{ job: "api", targets: ["api:8000"], metricsPath: "/m", scheme: "https", labels: { team: "core" } }],
        redis: [{ name: "main", address: "redis:6379", password: "redis-pass" }],
        deadMansSwitchUrl: "https://hc-ping.com/fake-uuid",
        receivers: [
            { name: "chat", type: "telegram", chatId: -1001234567890, botToken: "123:fake", apiUrl: "http://127.0.0.1:8081" },
            { name: "discord", type: "discord", webhookUrl: "https://discord.com/api/webhooks/1/fake", severities: ["info"] },
            { name: "slack", type: "slack", webhookUrl: "https://hooks.slack.com/services/fake", channel: "#alerts" },
            { name: "oncall", type: "pagerduty", routingKey: "fake-key", url: "https://events.pagerduty.com/v2/enqueue", severities: ["critical"] },
            { name: "mail", type: "email", to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am", authPassword: "fake" },
            { name: "hook", type: "webhook", url: "https://hooks.example.com/fake" },
        ],
    }).monitoring;
}

const cases: [string, () => MonitoringConfig][] = [["prod stack", prodMonitoring], ["every receiver type", allFeaturesMonitoring]];

for (const [name, monitoring] of cases) {
    test(`promtool accepts prometheus.yml: ${name}`, (t) => {
        if (toolAvailable(t, "promtool")) inTempDir((dir) => checkPrometheus(dir, monitoring()));
    });

    test(`amtool accepts alertmanager.yml: ${name}`, (t) => {
        if (toolAvailable(t, "amtool")) inTempDir((dir) => checkAlertmanager(dir, monitoring()));
    });
}
