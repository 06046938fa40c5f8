// The real index.ts under runtime mocks with tuned `alertThresholds`: the dashboard files the
// program writes to the host follow the stack's thresholds, as its alert rules do.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { defaultThresholds } from "../../model/alerts";
import { readDashboards } from "../../render/grafana";
import { dashboardsDir } from "../../config/stackFiles";
import { generatedDashboardPaths, userDashboards } from "../../config/dashboards";
import { byType, type ProgramRun, runProgram } from "../harness";

const diskFreeWarningPercent = 20;
const diskFreeCriticalPercent = 8;
let run: ProgramRun;

before(async () => {
    // With a Redis and a probe to watch, every committed dashboard is provisioned (the Redis one only with a `redis` entry, the Probes one only with `probes`).
    run = await runProgram("local", {
        alertThresholds: { diskFreeWarningPercent, diskFreeCriticalPercent }, redis: [{ name: "main", address: "redis:6379" }],
        probes: [{ name: "web", kind: "http", url: "https://example.com/" }],
    }, []);
});

/** What the program writes to `<configRoot>/<relative>`: the stdin of that file's write command. */
function deployed(relative: string): string {
    const writes = byType(run, "command:local:Command").filter((c) => c.name.endsWith(`-${relative}`));
    assert.equal(writes.length, 1, `one write of ${relative}, found ${writes.map((w) => w.name).join(", ")}`);
    return String(writes[0].inputs.stdin);
}

interface Step {
    readonly color: string;
    readonly value: number | null;
}

function steps(dashboard: string, title: string): Step[] {
    const json = JSON.parse(dashboard) as { panels: { title: string; fieldConfig?: { defaults?: { thresholds?: { steps: Step[] } } } }[] };
    const panel = json.panels.find((p) => p.title === title);
    assert.ok(panel, `panel "${title}"`);
    return panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
}

test("the deployed Host and Overview dashboards mark the stack's tuned disk thresholds, not the defaults", () => {
    assert.notEqual(defaultThresholds.diskFreeWarningPercent, diskFreeWarningPercent);
    assert.notEqual(defaultThresholds.diskFreeCriticalPercent, diskFreeCriticalPercent);
    assert.deepEqual(steps(deployed("grafana/dashboards/Hosts/host.json"), "Disk space used per mountpoint"), [
        { color: "green", value: null }, { color: "orange", value: 100 - diskFreeWarningPercent }, { color: "red", value: 100 - diskFreeCriticalPercent },
    ]);
    assert.deepEqual(steps(deployed("grafana/dashboards/Monitoring/overview.json"), "Disk free (lowest filesystem)"), [
        { color: "red", value: null }, { color: "orange", value: diskFreeCriticalPercent }, { color: "green", value: diskFreeWarningPercent },
    ]);
});

test("the alert rules of the same deployment fire at those values", () => {
    const rules = deployed("prometheus/rules/host.yml");
    assert.match(rules, new RegExp(`\\* 100 < ${diskFreeWarningPercent} and`));
    assert.match(rules, new RegExp(`\\* 100 < ${diskFreeCriticalPercent} and`));
});

test("dashboards without a disk panel are deployed as committed", () => {
    const generated = generatedDashboardPaths();
    for (const d of readDashboards(dashboardsDir).filter((x) => generated.has(x.relativePath) && !["Hosts/host.json", "Hosts/fleet.json", "Monitoring/overview.json"].includes(x.relativePath))) {
        assert.equal(deployed(`grafana/dashboards/${d.relativePath}`), d.content, d.relativePath);
    }
});

test("the user's own dashboards are deployed beside them, pointed at the provisioned Prometheus", () => {
    const users = userDashboards();
    assert.ok(users.length > 0, "dashboards/Custom/ holds an exported dashboard");
    assert.match(users.find((d) => d.relativePath === "Custom/node-exporter-full.json")?.content ?? "", /"uid": "\$\{DS_PROMETHEUS\}"/);
    for (const d of users) {
        const content = deployed(`grafana/dashboards/${d.relativePath}`);
        assert.doesNotMatch(content, /\$\{DS_[A-Z0-9_]+\}|"__inputs"/, `${d.relativePath}: no export input is left`);
    }
    assert.match(deployed("grafana/dashboards/Custom/node-exporter-full.json"), /"uid": "prometheus"/);
});
