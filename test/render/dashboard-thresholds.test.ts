// Dashboards follow the stack's `alertThresholds`: a panel that shows an alert's series changes
// colour where that alert fires, for the defaults and for tuned values, in the dashboards the
// program builds and in `npm run render`; the committed JSON is the build for the defaults.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultThresholds, thresholdNames, type AlertThresholds, type ThresholdName } from "../../model/alerts";
import { parseAlertThresholds } from "../../config/thresholds";
import { readDashboards } from "../../render/grafana";
import { dashboardsDir, projectDir } from "../../config/stackFiles";
import { dashboardFiles } from "../../dashboards/src";
import { renderStack } from "../../scripts/render";
import { asArray, isObject, panelsOf, type Json } from "../../rehearsal/dashboardQueries";

/** Colour → the value from which a panel shows it (Grafana's threshold steps; the base colour has none). */
type Marks = Readonly<Record<string, number>>;

interface AlertPanel {
    readonly file: string;
    readonly panel: string;
    /** The thresholds the marks come from. */
    readonly uses: readonly ThresholdName[];
    /** Where each colour starts, said from the alerts: red where the (critical) alert fires, orange at a warning. */
    readonly marks: (t: AlertThresholds) => Marks;
}

const alertPanels: readonly AlertPanel[] = [
    // Used space is 100 − free: HostDiskAlmostFull warns below diskFreeWarningPercent free, is critical below diskFreeCriticalPercent.
    { file: "Hosts/host.json", panel: "Disk space used per mountpoint", uses: ["diskFreeWarningPercent", "diskFreeCriticalPercent"], marks: (t) => ({ orange: 100 - t.diskFreeWarningPercent, red: 100 - t.diskFreeCriticalPercent }) },
    // Free space: red below the critical limit, orange below the warning limit, green above it.
    { file: "Monitoring/overview.json", panel: "Disk free (lowest filesystem)", uses: ["diskFreeWarningPercent", "diskFreeCriticalPercent"], marks: (t) => ({ orange: t.diskFreeCriticalPercent, green: t.diskFreeWarningPercent }) },
    { file: "Hosts/host.json", panel: "Memory used", uses: ["memoryUsedPercent"], marks: (t) => ({ orange: t.memoryUsedPercent - 10, red: t.memoryUsedPercent }) },
    // Available memory is what HostMemoryHigh's used share leaves: red where it fires.
    { file: "Monitoring/overview.json", panel: "Memory available", uses: ["memoryUsedPercent"], marks: (t) => ({ orange: 100 - t.memoryUsedPercent, green: 100 - t.memoryUsedPercent + 10 }) },
    { file: "Hosts/host.json", panel: "CPU used", uses: ["cpuUsedPercent"], marks: (t) => ({ red: t.cpuUsedPercent }) },
    { file: "Hosts/host.json", panel: "Load average per core", uses: ["loadPerCore"], marks: (t) => ({ red: t.loadPerCore }) },
    { file: "Hosts/fleet.json", panel: "Fullest disk", uses: ["diskFreeWarningPercent", "diskFreeCriticalPercent"], marks: (t) => ({ orange: 100 - t.diskFreeWarningPercent, red: 100 - t.diskFreeCriticalPercent }) },
    { file: "Hosts/fleet.json", panel: "Memory used", uses: ["memoryUsedPercent"], marks: (t) => ({ orange: t.memoryUsedPercent - 10, red: t.memoryUsedPercent }) },
    { file: "Hosts/fleet.json", panel: "CPU used", uses: ["cpuUsedPercent"], marks: (t) => ({ red: t.cpuUsedPercent }) },
    { file: "Hosts/fleet.json", panel: "Clock offset", uses: ["clockSkewSeconds"], marks: (t) => ({ red: t.clockSkewSeconds }) },
    { file: "Redis/redis.json", panel: "Memory used of maxmemory", uses: ["redisMemoryUsedPercent"], marks: (t) => ({ orange: t.redisMemoryUsedPercent - 10, red: t.redisMemoryUsedPercent }) },
    { file: "Redis/redis.json", panel: "Replication lag", uses: ["redisReplicationLagSeconds"], marks: (t) => ({ red: t.redisReplicationLagSeconds }) },
    { file: "Applications/applications.json", panel: "Error ratio", uses: ["appErrorRatePercent"], marks: (t) => ({ orange: t.appErrorRatePercent / 5, red: t.appErrorRatePercent }) },
    { file: "Applications/applications.json", panel: "Error ratio (5xx)", uses: ["appErrorRatePercent"], marks: (t) => ({ red: t.appErrorRatePercent }) },
    { file: "Applications/applications.json", panel: "Latency p95", uses: ["appLatencyP95WarningSeconds", "appLatencyP95CriticalSeconds"], marks: (t) => ({ orange: t.appLatencyP95WarningSeconds, red: t.appLatencyP95CriticalSeconds }) },
    { file: "Applications/applications.json", panel: "Latency p95 and p99", uses: ["appLatencyP95WarningSeconds", "appLatencyP95CriticalSeconds"], marks: (t) => ({ orange: t.appLatencyP95WarningSeconds, red: t.appLatencyP95CriticalSeconds }) },
    { file: "Applications/heartbeats.json", panel: "Heartbeat age", uses: ["heartbeatMaxAgeSeconds"], marks: (t) => ({ orange: t.heartbeatMaxAgeSeconds / 2, red: t.heartbeatMaxAgeSeconds }) },
];

/** Every threshold moved off its default, still valid (and in order) for the config parser. */
const tuned: AlertThresholds = (() => {
    const raw = {
        diskFreeWarningPercent: 20, diskFreeCriticalPercent: 8, memoryUsedPercent: 80, cpuUsedPercent: 75, loadPerCore: 3,
        redisMemoryUsedPercent: 70, redisReplicationLagSeconds: 45, appErrorRatePercent: 2,
        appLatencyP95WarningSeconds: 1, appLatencyP95CriticalSeconds: 3, heartbeatMaxAgeSeconds: 120, clockSkewSeconds: 0.1,
    };
    const { thresholds, problems } = parseAlertThresholds(raw);
    assert.deepEqual(problems, []);
    return thresholds;
})();

function parse(content: string): Json {
    return JSON.parse(content) as Json;
}

/** Colour → step value of every titled panel of one dashboard (several panels may share a title). */
function panelMarks(dashboard: Json, title: string): Marks[] {
    assert.ok(isObject(dashboard));
    const found = panelsOf(dashboard).filter((p) => p.title === title);
    assert.ok(found.length > 0, `no panel "${title}"`);
    return found.map((p) => {
        const defaults = isObject(p.fieldConfig) ? p.fieldConfig.defaults : undefined;
        const thresholds = isObject(defaults) ? defaults.thresholds : undefined;
        const steps = asArray(isObject(thresholds) ? thresholds.steps : undefined).filter(isObject);
        return Object.fromEntries(steps.filter((s) => typeof s.value === "number").map((s) => [String(s.color), Number(s.value)]));
    });
}

function byFile(files: readonly { relativePath: string; content: string }[]): Map<string, Json> {
    return new Map(files.map((f) => [f.relativePath, parse(f.content)]));
}

function assertMarks(dashboards: ReadonlyMap<string, Json>, t: AlertThresholds, where: string): void {
    for (const p of alertPanels) {
        const dashboard = dashboards.get(p.file);
        assert.ok(dashboard !== undefined, `${where}: ${p.file} missing`);
        for (const marks of panelMarks(dashboard, p.panel)) {
            assert.deepEqual(marks, p.marks(t), `${where}: ${p.file} panel "${p.panel}"`);
        }
    }
}

test("each panel of an alert's series changes colour where the alert fires, for the default thresholds (the committed JSON)", () => {
    assertMarks(byFile(readDashboards(dashboardsDir)), defaultThresholds, "dashboards/");
});

test("tuned thresholds move those panels to the tuned values", () => {
    assertMarks(byFile(dashboardFiles(tuned)), tuned, "tuned");
});

test("tuning a threshold alone changes the dashboards exactly when a panel above shows its alert", () => {
    const reference = dashboardFiles(defaultThresholds);
    const shown = new Set(alertPanels.flatMap((p) => p.uses));
    for (const name of thresholdNames) {
        const one: AlertThresholds = { ...defaultThresholds, [name]: tuned[name] };
        const changed = dashboardFiles(one).filter((f, i) => f.content !== reference[i].content).map((f) => f.relativePath);
        if (shown.has(name)) {
            const expected = [...new Set(alertPanels.filter((p) => p.uses.includes(name)).map((p) => p.file))].sort();
            assert.deepEqual(changed.sort(), expected, `alertThresholds.${name}`);
        } else {
            assert.deepEqual(changed, [], `alertThresholds.${name} moves a panel the table above does not list`);
        }
    }
});

test("npm run render builds the dashboards with the stack's alertThresholds", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    try {
        fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const thresholds = Object.entries(tuned).filter(([name, value]) => value !== defaultThresholds[name as ThresholdName]);
        fs.writeFileSync(path.join(dir, "Pulumi.tuned.yaml"), [
            "config:",
            "  vps-monitoring:hostMode: local",
            // A Redis to watch: its dashboard is provisioned only for stacks that have one.
            "  vps-monitoring:redis:",
            "    - name: main",
            "      address: redis:6379",
            "  vps-monitoring:alertThresholds:",
            ...thresholds.map(([name, value]) => `    ${name}: ${value}`),
            "",
        ].join("\n"));
        const out = path.join(dir, "out");
        renderStack("tuned", out, dir);
        const rendered = (rel: string) => fs.readFileSync(path.join(out, "monitoring/grafana/dashboards", rel), "utf8");
        assertMarks(new Map(alertPanels.map((p) => [p.file, parse(rendered(p.file))])), tuned, "render");
        // The rules of the same render fire at the same values.
        const hostRules = fs.readFileSync(path.join(out, "monitoring/prometheus/rules/host.yml"), "utf8");
        assert.match(hostRules, new RegExp(`\\* 100 < ${tuned.diskFreeWarningPercent} and`));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
