// Checks rendered files with the real tools: Debian's promtool (2.42) and amtool (0.25).
// Skipped when the tools are missing, except in CI, where a missing tool is a failure.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { load } from "js-yaml";
import { containerPaths } from "../../model/catalog";
import { parseStackConfig } from "../../config/parse";
import { severities, type MonitoringConfig } from "../../model/stack";
import { alertmanagerConfigFile, renderAlertmanager } from "../../render/alertmanager";
import type { RenderedFile } from "../../render/files";
import { prometheusConfigFile, renderPrometheus } from "../../render/prometheus";
import { alertmanagerSecrets, debianAlertmanagerVersion, forDebianAlertmanager } from "../../rehearsal/skew";
import { drillAlertname, drillReceiverLabel, drillReceiverName } from "../../model/drill";
import { receiverSpecs, receiverTypes } from "../../model/receivers";
import { stackRawConfig } from "../../config/stackFiles";
import { runTool, toolAvailable } from "../externalTools";
import { inTempDir } from "../tempDir";

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
            { name: "genie", type: "opsgenie", apiKey: "fake-key", apiUrl: "https://api.eu.opsgenie.com/" },
        ],
    }).monitoring;
}

const cases: [string, () => MonitoringConfig][] = [["prod stack", prodMonitoring], ["every receiver type", allFeaturesMonitoring]];

for (const [name, monitoring] of cases) {
    test(`promtool accepts prometheus.yml: ${name}`, (t) => {
        if (toolAvailable(t, "promtool")) inTempDir("render-check", (dir) => checkPrometheus(dir, monitoring()));
    });

    test(`amtool accepts alertmanager.yml: ${name}`, (t) => {
        if (toolAvailable(t, "amtool")) inTempDir("render-check", (dir) => checkAlertmanager(dir, monitoring()));
    });
}

test("every receiver type is in the all-features config that amtool checks", () => {
    assert.deepEqual([...new Set(allFeaturesMonitoring().receivers.map((r) => r.type))].sort(), [...receiverTypes].sort());
});

/** Whether amtool accepts the rendered config with only this notifier list, as rendered (no secret inlined). */
function amtoolAcceptsAsRendered(dir: string, configsKey: string): boolean {
    const files = renderAlertmanager(allFeaturesMonitoring());
    for (const f of files) write(dir, f.path, f.content);
    const main = files.find((f) => f.path === alertmanagerConfigFile);
    assert.ok(main);
    const doc = load(main.content) as { receivers: Record<string, unknown>[] };
    for (const receiver of doc.receivers) {
        for (const key of Object.keys(receiver)) if (key.endsWith("_configs") && key !== configsKey) delete receiver[key];
    }
    assert.ok(doc.receivers.some((r) => configsKey in r), `no ${configsKey} rendered`);
    const hostDir = path.join(dir, path.dirname(alertmanagerConfigFile));
    const file = write(dir, main.path, relocate(JSON.stringify(doc), containerPaths.alertmanagerConfigDir, hostDir));
    return spawnSync("amtool", ["check-config", file], { encoding: "utf8" }).status === 0;
}

// The skew check inlines exactly the secret-file fields the registry dates after Debian's release:
// a wrong `secretFileSince` would either hide a field amtool rejects or inline one it could check.
for (const [type, spec] of Object.entries(receiverSpecs)) {
    const { configsKey, secretField, secretFileSince } = spec.alertmanager;
    const accepted = Number(secretFileSince.split(".")[1]) <= Number(debianAlertmanagerVersion.split(".")[1]);
    test(`amtool ${debianAlertmanagerVersion} ${accepted ? "accepts" : "rejects"} ${type}'s ${secretField}_file (added in ${secretFileSince})`, (t) => {
        if (toolAvailable(t, "amtool")) inTempDir("render-check", (dir) => assert.equal(amtoolAcceptsAsRendered(dir, configsKey), accepted));
    });
}

/** Receiver names Alertmanager routes an alert with these labels to: `amtool config routes test`. */
function routedReceivers(configFile: string, labels: Readonly<Record<string, string>>): string[] {
    const result = spawnSync("amtool", ["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], { encoding: "utf8" });
    assert.equal(result.status, 0, `amtool config routes test: ${result.stderr}`);
    return result.stdout.trim().split(",").filter((r) => r !== "").sort();
}

/** Configured receiver names behind an Alertmanager receiver, from the secret files its notifiers reference. */
function people(config: string, receiverName: string): string[] {
    const doc = load(config) as { receivers: { name: string; [key: string]: unknown }[] };
    const r = doc.receivers.find((x) => x.name === receiverName);
    assert.ok(r, `no receiver ${receiverName}`);
    const refs = Object.values(r).flatMap((v) => (Array.isArray(v) ? v as Record<string, unknown>[] : []))
        .flatMap((n) => Object.entries(n).filter(([k]) => k.endsWith("_file")).map(([, p]) => path.basename(String(p))));
    return refs.map((f) => f.replace(/-[a-z_]+$/, "")).sort();
}

/** One receiver per severity mix, including an `info` subscriber that a leaking Watchdog would ping. */
const subscribers = [
    { name: "chat", type: "telegram", chatId: -100123, botToken: "123:fake", severities: ["critical", "warning"] },
    { name: "oncall", type: "pagerduty", routingKey: "fake-key", severities: ["critical"] },
    { name: "feed", type: "slack", webhookUrl: "https://hooks.slack.com/services/fake", channel: "#info", severities: ["info"] },
    { name: "log", type: "webhook", url: "https://hooks.example.com/fake", severities: ["info", "warning"] },
];

function routingCase(withSwitch: boolean): { monitoring: MonitoringConfig; check: (route: (labels: Record<string, string>) => string[], main: string) => void } {
    const monitoring = parseStackConfig("test", {
        hetznerSshKeyName: "deploy", receivers: subscribers,
        ...(withSwitch ? { deadMansSwitchUrl: "https://hc-ping.com/fake-uuid" } : {}),
    }).monitoring;
    return {
        monitoring,
        check: (route, main) => {
            const reached = (labels: Record<string, string>) => route(labels).flatMap((r) => people(main, r)).sort();
            // Watchdog is severity info: it must stop at its own route, whoever subscribed to info.
            assert.deepEqual(route({ alertname: "Watchdog", severity: "info" }), [withSwitch ? "deadmansswitch" : "blackhole"], "Watchdog's receivers");
            assert.deepEqual(reached({ alertname: "Watchdog", severity: "info" }), withSwitch ? ["deadmansswitch"] : [], "people Watchdog reaches");
            for (const severity of severities) {
                const subscribed = subscribers.filter((s) => s.severities.includes(severity)).map((s) => s.name).sort();
                assert.deepEqual(route({ alertname: "RedisDown", severity }), [severity], `receivers of a ${severity} alert`);
                assert.deepEqual(reached({ alertname: "RedisDown", severity }), subscribed, `people a ${severity} alert reaches`);
            }
            // An alert without a known severity reaches everyone rather than nobody.
            assert.deepEqual(reached({ alertname: "Unlabelled" }), subscribers.map((s) => s.name).sort());
            // The fire drill's alert reaches exactly the receiver it names, whatever its severity; naming none, nobody.
            for (const s of subscribers) {
                assert.deepEqual(route({ alertname: drillAlertname, [drillReceiverLabel]: s.name, severity: "critical" }), [drillReceiverName(s.name)], `drill of ${s.name}`);
                assert.deepEqual(reached({ alertname: drillAlertname, [drillReceiverLabel]: s.name }), [s.name], `people the drill of ${s.name} reaches`);
            }
            assert.deepEqual(route({ alertname: drillAlertname, [drillReceiverLabel]: "nobody" }), ["blackhole"], "a drill of an unknown receiver");
            // No other alert reaches a drill receiver, even one carrying the drill's label.
            assert.deepEqual(route({ alertname: "RedisDown", severity: "critical", [drillReceiverLabel]: "chat" }), ["critical"]);
        },
    };
}

for (const withSwitch of [true, false]) {
    test(`amtool routes Watchdog only to ${withSwitch ? "the dead man's switch" : "nobody"} and each severity only to its subscribers (an info subscriber exists)`, (t) => {
        if (!toolAvailable(t, "amtool")) return;
        const { monitoring, check } = routingCase(withSwitch);
        inTempDir("render-check", (dir) => {
            const files = renderAlertmanager(monitoring);
            const main = files.find((f) => f.path === alertmanagerConfigFile);
            assert.ok(main);
            const configFile = write(dir, main.path, forDebianAlertmanager(main.content, alertmanagerSecrets(files)));
            check((labels) => routedReceivers(configFile, labels), main.content);
        });
    });
}
