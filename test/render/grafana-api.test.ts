// An external Grafana (grafanaMode external) as the user meets it: one folder per dashboards/
// sub-folder with a fixed uid, the dashboards the stack would provision on its own Grafana (with
// their datasources pointed at ours), the remote stores as datasources, and a refusal before any
// resource for a dashboard Grafana could not show or would silently drop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import type { DashboardSource } from "../../render/grafana";
import { folderUid, grafanaApiPlan } from "../../render/grafanaApi";

const central = { name: "central", url: "https://vm.example.com/api/v1/write", queryUrl: "https://vm.example.com", username: "stack", password: "pa55-word-xyz" };
const m = parseStackConfig("external", {
    hetznerSshKeyName: "deploy", remoteWrite: [central], grafanaMode: "external", grafanaUrl: "https://example.grafana.net", grafanaToken: "glsa_x",
}).monitoring;

const board = (relativePath: string, uid: unknown, extra: Record<string, unknown> = {}): DashboardSource =>
    ({ relativePath, content: JSON.stringify({ uid, title: relativePath, panels: [], ...extra }) });

test("folder uids are the product's name and the title in lower case, every run of other characters one dash", () => {
    assert.equal(folderUid("Hosts"), "vps-monitoring-hosts");
    assert.equal(folderUid("Team - Ops_2"), "vps-monitoring-team-ops-2");
    assert.equal(folderUid("General"), "vps-monitoring-general");
});

test("each dashboards/ sub-folder becomes one folder (top-level files go to General), each dashboard keeps its own uid in its folder", () => {
    const dashboards = [board("Hosts/host.json", "host"), board("Team - Ops/a.json", "a"), board("Team - Ops/b.json", "b"), board("top.json", "top")];
    const plan = grafanaApiPlan(m, dashboards);
    assert.deepEqual(plan.folders, [
        { title: "Hosts", uid: "vps-monitoring-hosts" },
        { title: "Team - Ops", uid: "vps-monitoring-team-ops" },
        { title: "General", uid: "vps-monitoring-general" },
    ]);
    assert.deepEqual(plan.dashboards.map((d) => [d.relativePath, d.uid, d.folderUid]), [
        ["Hosts/host.json", "host", "vps-monitoring-hosts"],
        ["Team - Ops/a.json", "a", "vps-monitoring-team-ops"],
        ["Team - Ops/b.json", "b", "vps-monitoring-team-ops"],
        ["top.json", "top", "vps-monitoring-general"],
    ]);
    // A dashboard that needs no rewrite is sent as written.
    assert.deepEqual(plan.dashboards.map((d) => d.configJson), dashboards.map((d) => d.content));
});

test("a service's dashboard is not sent when the stack does not run that service, nor is its folder created", () => {
    // No redis in the config: the Redis exporter does not run, so Redis/redis.json would show nothing.
    const plan = grafanaApiPlan(m, [board("Hosts/host.json", "host"), board("Redis/redis.json", "redis")]);
    assert.deepEqual(plan.dashboards.map((d) => d.relativePath), ["Hosts/host.json"]);
    assert.deepEqual(plan.folders.map((f) => f.title), ["Hosts"]);
});

test("an exported dashboard is sent with its inputs resolved to the stack's Prometheus uid", () => {
    const exported = board("Custom/export.json", "exp", {
        __inputs: [{ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }],
        panels: [{ id: 1, title: "CPU", datasource: { type: "prometheus", uid: "${DS_PROMETHEUS}" } }],
    });
    const [sent] = grafanaApiPlan(m, [exported]).dashboards;
    const json = JSON.parse(sent.configJson) as { __inputs?: unknown; panels: { datasource: unknown }[] };
    assert.equal(json.__inputs, undefined);
    assert.deepEqual(json.panels[0].datasource, { type: "prometheus", uid: "prometheus" });
});

test("the remote store is the external Grafana's default datasource, under the uid the dashboards use", () => {
    const plan = grafanaApiPlan(m, []);
    assert.deepEqual(plan.datasources.map((d) => [d.name, d.uid, d.url, d.isDefault, d.basicAuthUser]), [
        ["central (remote store)", "prometheus", "https://vm.example.com", true, "stack"],
    ]);
    assert.deepEqual(plan.datasources[0].secureJsonData, { basicAuthPassword: "pa55-word-xyz" });
    assert.deepEqual(plan.folders, []);
    assert.deepEqual(plan.dashboards, []);
});

test("a dashboard without a non-empty string uid is refused, naming the file", () => {
    for (const uid of [undefined, "", 7]) {
        assert.throws(() => grafanaApiPlan(m, [board("Hosts/nouid.json", uid)]), (e: Error) => e.message === "dashboards/Hosts/nouid.json has no uid", String(uid));
    }
});

test("a dashboard that cannot show data here is refused with every problem on its own line", () => {
    const logs = board("Custom/logs.json", "logs", {
        panels: [
            { id: 1, title: "Errors", datasource: { type: "loki", uid: "loki-prod" } },
            { id: 2, title: "Queue", datasource: "InfluxDB" },
        ],
    });
    assert.throws(() => grafanaApiPlan(m, [logs]), (e: Error) => {
        const lines = e.message.split("\n");
        assert.equal(lines[0], "Dashboards that cannot show data on this stack:");
        assert.equal(lines.length, 3);
        assert.match(lines[1], /^ {2}- dashboards\/Custom\/logs\.json panel "Errors" \(id 1\): datasource \{"type":"loki","uid":"loki-prod"\} is not provisioned by this stack;/);
        assert.match(lines[2], /^ {2}- dashboards\/Custom\/logs\.json panel "Queue" \(id 2\): datasource "InfluxDB" is not provisioned by this stack;/);
        return true;
    });
});

test("two dashboards with the same uid are refused: Grafana would keep only one", () => {
    assert.throws(() => grafanaApiPlan(m, [board("Hosts/a.json", "same"), board("Team/b.json", "same")]),
        (e: Error) => e.message === "two dashboards have the uid same; Grafana would keep only one");
});
