// npx tsx scripts/rules.ts: regenerates rules/*.yml from a reference config that enables every
// rule group (node-exporter, two Redis servers, one app, probes), so promtool can test them in
// rules/tests. alertTable() renders the README's alert table from the same rules.
import * as fs from "fs";
import * as path from "path";
import { alertActions, defaultThresholds } from "../model/alerts";
import { parseStackConfig } from "../config/parse";
import { type MonitoringConfig } from "../model/stack";
import type { FleetHost } from "../model/fleet";
import { isAlert, renderRules, ruleGroups, rulesDir, type AlertRule } from "../render/rules";
import { projectDir } from "../config/stackFiles";

export const rulesOutDir = path.join(projectDir, "rules");

/** Two fleet hosts, one per transport, so the fleet group and the fleet jobs' TargetDown are rendered and tested. */
export const referenceFleet: readonly FleetHost[] = [
    { name: "primary", address: "10.92.3.27", labels: { role: "primary" }, agents: true, transport: "private-network", redis: [{ name: "main", port: 6379 }], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }] },
    { name: "standby", address: "192.168.7.28", labels: { role: "standby" }, agents: true, transport: "tls", redis: [], apps: [{ job: "bot", port: 9200, metricsPath: "/metrics" }] },
];

export function referenceMonitoring(): MonitoringConfig {
    // `hosts` set here until the config parser reads the `hosts` key.
    return { ...referenceStack(), hosts: referenceFleet };
}

function referenceStack(): MonitoringConfig {
    return parseStackConfig("reference", {
        hetznerSshKeyName: "deploy",
        nodeExporter: true,
        apps: [{ job: "api", targets: ["api:8000"] }],
        redis: [{ name: "main", address: "redis:6379" }, { name: "replica", address: "redis-replica:6379" }],
        remoteWrite: [{ name: "central", url: "https://metrics.example.com/api/v1/write" }],
        probes: [{ name: "shop", kind: "http", url: "https://shop.example.com/" }],
        backupRepository: "/srv/backups/monitoring", backupPassword: "reference-backup-password",
    }).monitoring;
}

/** File name below rules/ → content, as committed. */
export function referenceRuleFiles(): Map<string, string> {
    return new Map(renderRules(referenceMonitoring()).map((f) => [path.relative(rulesDir, f.path), f.content]));
}

function alertRules(): AlertRule[] {
    return ruleGroups(referenceMonitoring(), defaultThresholds).flatMap((g) => g.rules.filter(isAlert));
}

/** Markdown table: alert | severity | default threshold | what to do (one row per alert name). */
export function alertTable(): string {
    const byName = new Map<string, AlertRule[]>();
    for (const rule of alertRules()) byName.set(rule.alert, [...(byName.get(rule.alert) ?? []), rule]);
    const rows = [...byName].map(([name, rules]) => {
        const unique = (values: string[]) => [...new Set(values)].join(" / ");
        const link = `[${name}](docs/runbooks.md#${name.toLowerCase()})`;
        const cell = (text: string) => text.replace(/\|/g, "\\|");
        return `| ${link} | ${unique(rules.map((r) => r.severity))} | ${cell(unique(rules.map((r) => r.threshold)))} | ${cell(alertActions[name] ?? "")} |`;
    });
    return ["| alert | severity | default threshold | what to do |", "|---|---|---|---|", ...rows].join("\n");
}

if (require.main === module) {
    for (const old of fs.readdirSync(rulesOutDir).filter((f) => f.endsWith(".yml"))) fs.rmSync(path.join(rulesOutDir, old));
    for (const [name, content] of referenceRuleFiles()) fs.writeFileSync(path.join(rulesOutDir, name), content);
    console.log(`rules/*.yml regenerated: ${[...referenceRuleFiles().keys()].join(", ")}`);
}
