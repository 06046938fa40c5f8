// Bring your own dashboards: a dashboard exported from another Grafana (or downloaded from
// grafana.com) and dropped into dashboards/<Folder>/ shows data on this stack's datasources, or is
// refused with its file and panel named.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../../config/parse";
import { dashboardsDir } from "../../config/stackFiles";
import { generatedDashboardPaths, stackDashboards, userDashboards } from "../../config/dashboards";
import { renderGrafana, type DashboardSource } from "../../render/grafana";
import { resolveDashboardDatasources } from "../../render/dashboardDatasources";
import { hostDirs } from "../../model/catalog";
import { defaultThresholds } from "../../model/alerts";
import { dashboardFiles } from "../../dashboards/src";
import { asArray, isObject, panelsOf, type Json, type JsonObject } from "../../rehearsal/dashboardQueries";
import { inTempDir } from "../tempDir";
import { referenceMonitoring } from "../../scripts/rules";

const m = parseStackConfig("byo", { hostMode: "local" }).monitoring;
const prometheusRef = { type: "prometheus", uid: "prometheus" };
const exportPath = "Custom/node-exporter-full.json";

function provisioned(dashboards: readonly DashboardSource[]): Map<string, JsonObject> {
    const prefix = `${hostDirs.grafana}/dashboards/`;
    return new Map(renderGrafana(m, dashboards).filter((f) => f.path.startsWith(prefix)).map((f) => {
        const json = JSON.parse(f.content) as Json;
        assert.ok(isObject(json));
        return [f.path.slice(prefix.length), json];
    }));
}

/** Every `datasource` value in the dashboard, with where it sits. */
function datasourceRefs(node: Json, where = ""): { where: string; ref: Json }[] {
    if (Array.isArray(node)) return node.flatMap((n, i) => datasourceRefs(n, `${where}[${i}]`));
    if (!isObject(node)) return [];
    return Object.entries(node).flatMap(([k, v]) => (k === "datasource" ? [{ where: `${where}.${k}`, ref: v }] : datasourceRefs(v, `${where}.${k}`)));
}

function dashboard(panels: Json[], extra: JsonObject = {}): DashboardSource {
    return { relativePath: "Custom/mine.json", content: JSON.stringify({ uid: "mine", title: "Mine", panels, ...extra }) };
}

test("the committed Node Exporter Full export (with __inputs) is a user dashboard, provisioned with the stack's Prometheus uid", () => {
    const source = userDashboards().find((d) => d.relativePath === exportPath);
    assert.ok(source, `dashboards/${exportPath} is read as a user dashboard`);
    const original = JSON.parse(source.content) as JsonObject;
    // The export's shape: an input standing for the datasource the importer would pick.
    assert.deepEqual(asArray(original.__inputs).map((i) => isObject(i) ? [i.name, i.pluginId] : []), [["DS_PROMETHEUS", "prometheus"]]);
    assert.match(source.content, /"uid": "\$\{DS_PROMETHEUS\}"/);

    const rendered = provisioned(stackDashboards(defaultThresholds)).get(exportPath);
    assert.ok(rendered, "the stack provisions it beside the generated dashboards");
    const text = JSON.stringify(rendered);
    assert.doesNotMatch(text, /DS_PROMETHEUS/, "no input is left for Grafana to leave unresolved");
    assert.equal(rendered.__inputs, undefined);
    const refs = datasourceRefs(rendered);
    const builtin = refs.filter((r) => isObject(r.ref) && r.ref.type === "datasource");
    assert.deepEqual(builtin.map((r) => r.where), [".annotations.list[0].datasource"], "Grafana's own annotation datasource stays");
    const others = refs.filter((r) => !builtin.includes(r));
    assert.ok(others.length >= 10, `panels, targets and variables all reference a datasource (${others.length})`);
    for (const r of others) assert.deepEqual(r.ref, prometheusRef, r.where);
    // Nothing but the references changed: same panels (rows' nested ones too), same queries.
    assert.deepEqual(panelsOf(rendered).map((p) => p.title), panelsOf(original).map((p) => p.title));
    assert.equal(rendered.uid, "rYdddlPWk");
});

test("generated dashboards are provisioned byte for byte", () => {
    // The reference stack runs every service, so every generated dashboard is provisioned.
    const files = renderGrafana(referenceMonitoring(), dashboardFiles(defaultThresholds));
    for (const d of dashboardFiles(defaultThresholds)) {
        assert.equal(files.find((f) => f.path === `${hostDirs.grafana}/dashboards/${d.relativePath}`)?.content, d.content, d.relativePath);
    }
    assert.equal(userDashboards().filter((d) => generatedDashboardPaths().has(d.relativePath)).length, 0);
});

test("a foreign Prometheus uid, a datasource named by name and a legacy ${DS_…} string point at the provisioned uid", () => {
    const input = { name: "DS_PROM", type: "datasource", pluginId: "prometheus" };
    const out = provisioned([dashboard([
        { id: 1, title: "foreign uid", type: "timeseries", datasource: { type: "prometheus", uid: "P1809F7CD0C75ACF3" }, targets: [{ expr: "up", datasource: { type: "prometheus", uid: "P1809F7CD0C75ACF3" } }] },
        { id: 2, title: "by name", type: "stat", datasource: "Prometheus", targets: [{ expr: "up" }] },
        { id: 3, title: "legacy input", type: "graph", datasource: "${DS_PROM}", targets: [{ expr: "up" }] },
        { id: 4, title: "alerts", type: "alertlist", datasource: { type: "alertmanager", uid: "am-elsewhere" } },
        { id: 5, title: "default", type: "stat", datasource: null, targets: [{ expr: "up" }] },
    ], { __inputs: [input] })]).get("Custom/mine.json");
    assert.ok(out);
    const panels = panelsOf(out);
    assert.deepEqual(panels.map((p) => p.datasource), [prometheusRef, prometheusRef, prometheusRef, { type: "alertmanager", uid: "alertmanager" }, null]);
    assert.deepEqual(asArray(panels[0].targets).map((t) => isObject(t) ? t.datasource : undefined), [prometheusRef]);
});

test("a dashboard variable choosing among Prometheus datasources is kept; one of another plugin is refused", () => {
    const variable = (query: string) => ({ templating: { list: [{ name: "ds", type: "datasource", query }] } });
    const panel = { id: 1, title: "CPU", type: "timeseries", datasource: { type: "prometheus", uid: "${ds}" }, targets: [{ expr: "up" }] };
    assert.deepEqual(panelsOf(provisioned([dashboard([panel], variable("prometheus"))]).get("Custom/mine.json") ?? {})[0].datasource, panel.datasource);
    assert.throws(() => renderGrafana(m, [dashboard([panel], variable("influxdb"))]), /dashboards\/Custom\/mine\.json panel "CPU" \(id 1\): .*variable ds of plugin influxdb/);
});

test("a dashboard that still cannot resolve a datasource is refused, naming its file and every panel", () => {
    const bad = dashboard([
        { id: 7, title: "Errors in logs", type: "logs", datasource: { type: "loki", uid: "loki-prod" }, targets: [{ expr: "{app=\"x\"}" }] },
        { id: 8, title: "Queue", type: "timeseries", datasource: "InfluxDB", targets: [] },
        { id: 9, title: "From an input", type: "timeseries", datasource: { type: "loki", uid: "${DS_LOKI}" } },
    ], { __inputs: [{ name: "DS_LOKI", type: "datasource", pluginId: "loki" }], templating: { list: [{ name: "job", type: "query", datasource: { uid: "nowhere" } }] } });
    assert.throws(() => renderGrafana(m, [bad]), (e: Error) => {
        assert.match(e.message, /dashboards\/Custom\/mine\.json panel "Errors in logs" \(id 7\): datasource \{"type":"loki","uid":"loki-prod"\} is not provisioned by this stack/);
        assert.match(e.message, /dashboards\/Custom\/mine\.json panel "Queue" \(id 8\): datasource "InfluxDB" is not provisioned/);
        assert.match(e.message, /panel "From an input" \(id 9\): .*input DS_LOKI of plugin loki/);
        assert.match(e.message, /variable "job": datasource \{"uid":"nowhere"\}/);
        assert.match(e.message, /this stack provisions prometheus \(uid prometheus\) and alertmanager \(uid alertmanager\)/);
        return true;
    });
});

test("a JSON file dropped into dashboards/<Folder>/ is read as a user dashboard and provisioned in that folder", () => {
    inTempDir("byo-dashboards", (dir) => {
        for (const d of dashboardFiles(defaultThresholds)) {
            fs.mkdirSync(path.join(dir, path.dirname(d.relativePath)), { recursive: true });
            fs.writeFileSync(path.join(dir, d.relativePath), d.content);
        }
        fs.mkdirSync(path.join(dir, "Team"));
        fs.copyFileSync(path.join(dashboardsDir, exportPath), path.join(dir, "Team", "nodes.json"));
        assert.deepEqual(userDashboards(dir).map((d) => d.relativePath), ["Team/nodes.json"]);
        assert.ok(provisioned(stackDashboards(defaultThresholds, dir)).has("Team/nodes.json"));
    });
});

/** The dashboard Custom/mine.json (uid "mine" plus `fields`) through the resolver, as its text. */
function resolveText(content: string): { content: string; problems: string[] } {
    const resolved = resolveDashboardDatasources("Custom/mine.json", content, JSON.parse(content) as Record<string, unknown>);
    // A problem's head: where it sits and why; the tail (what the stack provisions) is the same for all.
    return { content: resolved.content, problems: resolved.problems.map((p) => p.slice(0, p.indexOf("; this stack provisions"))) };
}
const resolveIn = (fields: JsonObject) => resolveText(JSON.stringify({ uid: "mine", ...fields }));
const panelDatasources = (content: string) => asArray((JSON.parse(content) as JsonObject).panels).map((p) => isObject(p) ? p.datasource : undefined);
const dsVariable = { templating: { list: [{ name: "ds", type: "datasource", query: "prometheus" }] } };

test("$ds and ${ds:raw} name the dashboard's datasource variable and are kept; text around them makes a plain name, refused", () => {
    const kept = resolveIn({ ...dsVariable, panels: [{ id: 1, title: "short", datasource: "$ds" }, { id: 2, title: "formatted", datasource: "${ds:raw}" }] });
    assert.deepEqual(kept.problems, []);
    assert.deepEqual(panelDatasources(kept.content), ["$ds", "${ds:raw}"]);
    const plain = ["x${ds}", "${ds}x", "x$ds", "$ds-x"];
    const refused = resolveIn({ ...dsVariable, panels: plain.map((ds, i) => ({ id: i + 1, title: ds, datasource: ds })) });
    assert.deepEqual(refused.problems, plain.map((ds, i) => `dashboards/Custom/mine.json panel "${ds}" (id ${i + 1}): datasource "${ds}" is not provisioned by this stack`));
});

test("a refusal names the panel (by position when it has no numeric id), the variable or annotation (by position when unnamed), else the dashboard", () => {
    const influx = "InfluxDB";
    const { problems } = resolveIn({
        panels: [
            // A target's reference, and any list in a plugin's options, belong to their panel.
            { id: 1, title: "CPU", datasource: prometheusRef, targets: [{ datasource: influx }],
                options: { list: [{ datasource: influx }], templating: { queries: [{ datasource: influx }] }, annotations: { items: [{ datasource: influx }] } } },
            { title: "No id", datasource: influx },
            { datasource: influx },
            { id: "7", title: "Text id", datasource: influx },
        ],
        templating: { list: [{ name: "ok", type: "custom" }, { type: "query", datasource: influx }, { name: "job", type: "query", datasource: influx }] },
        annotations: { list: [{ name: "Deploys", datasource: influx }, { datasource: influx }] },
        links: [{ title: "elsewhere", datasource: influx }],
    });
    const at = (where: string) => `dashboards/Custom/mine.json ${where}: datasource "InfluxDB" is not provisioned by this stack`;
    assert.deepEqual(problems, [
        at('panel "CPU" (id 1)'), at('panel "CPU" (id 1)'), at('panel "CPU" (id 1)'), at('panel "CPU" (id 1)'),
        at('panel "No id" (#2)'), at('panel "" (#3)'), at('panel "Text id" (#4)'),
        at('variable "2"'), at('variable "job"'),
        at('annotation "Deploys"'), at('annotation "2"'),
        at("dashboard"),
    ]);
});

test("a datasource naming a query variable or a constant input of the export is refused: it names no datasource", () => {
    const { problems } = resolveIn({
        __inputs: [{ name: "VAR_JOB", type: "constant", value: "node" }, null, "junk"],
        templating: { list: [null, { name: "job", type: "query", query: "label_values(up, job)" }] },
        panels: [{ id: 1, title: "A", datasource: "${VAR_JOB}" }, { id: 2, title: "B", datasource: "$job" }],
    });
    assert.deepEqual(problems, [
        'dashboards/Custom/mine.json panel "A" (id 1): datasource "${VAR_JOB}" names VAR_JOB, neither an input of the export nor a datasource variable',
        'dashboards/Custom/mine.json panel "B" (id 2): datasource "$job" names job, neither an input of the export nor a datasource variable',
    ]);
});

test("a uid that is not a string is not read as a variable", () => {
    const { problems } = resolveIn({
        __inputs: [{ name: "DS_PROM", type: "datasource", pluginId: "prometheus" }],
        panels: [{ id: 1, title: "A", datasource: { uid: ["${DS_PROM}"] } }],
    });
    assert.deepEqual(problems, ['dashboards/Custom/mine.json panel "A" (id 1): datasource {"uid":["${DS_PROM}"]} is not provisioned by this stack']);
});

test("Grafana's built-in datasources stay as written, by uid (string or object) or by type datasource", () => {
    const content = JSON.stringify({ uid: "mine", panels: [
        { id: 1, datasource: "-- Grafana --" }, { id: 2, datasource: { uid: "-- Mixed --" } }, { id: 3, datasource: { type: "datasource", uid: "-- Newer builtin --" } },
    ] });
    assert.deepEqual(resolveText(content), { content, problems: [] });
});

test("a dashboard already on the stack's datasources is provisioned exactly as written, its formatting kept", () => {
    const content = `{"uid":"mine",  "panels":[{"id":1,"datasource":${JSON.stringify(prometheusRef)},"targets":[{"datasource":null}]}]}`;
    assert.deepEqual(resolveText(content), { content, problems: [] });
});

test("the stack's datasources named by uid alone get their type; a foreign uid is rewritten in a dashboard that is no export", () => {
    const { content, problems } = resolveIn({ panels: [
        { id: 1, datasource: "prometheus" }, { id: 2, datasource: { uid: "alertmanager" } }, { id: 3, datasource: { type: "prometheus", uid: "P1809F7CD0C75ACF3" } },
    ] });
    assert.deepEqual(problems, []);
    assert.deepEqual(panelDatasources(content), [prometheusRef, { uid: "alertmanager", type: "alertmanager" }, prometheusRef]);
    assert.ok(content.endsWith("}\n"), "rewritten as formatted JSON");
});

test("an export's __inputs are dropped even when no panel uses them, so Grafana asks for nothing", () => {
    const { content, problems } = resolveIn({ __inputs: [{ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }], panels: [{ id: 1, datasource: prometheusRef }] });
    assert.deepEqual(problems, []);
    assert.deepEqual(JSON.parse(content), { uid: "mine", panels: [{ id: 1, datasource: prometheusRef }] });
});

test("problems of several dashboards are listed one per line", () => {
    const one = { relativePath: "Custom/one.json", content: JSON.stringify({ uid: "one", panels: [{ id: 1, title: "A", datasource: "InfluxDB" }] }) };
    const two = { relativePath: "Custom/two.json", content: JSON.stringify({ uid: "two", panels: [{ id: 2, title: "B", datasource: "Loki" }] }) };
    assert.throws(() => renderGrafana(m, [one, two]), (e: Error) => {
        const lines = e.message.split("\n");
        assert.equal(lines.length, 3);
        assert.equal(lines[0], "Dashboards that cannot show data on this stack:");
        assert.match(lines[1], /^ {2}- dashboards\/Custom\/one\.json panel "A" \(id 1\): datasource "InfluxDB" is not provisioned/);
        assert.match(lines[2], /^ {2}- dashboards\/Custom\/two\.json panel "B" \(id 2\): datasource "Loki" is not provisioned/);
        return true;
    });
});

test("a stack's dashboards, the user's among the generated ones, come sorted by path", () => {
    inTempDir("byo-sorted", (dir) => {
        fs.mkdirSync(path.join(dir, "AAA"));
        fs.copyFileSync(path.join(dashboardsDir, exportPath), path.join(dir, "AAA", "nodes.json"));
        const paths = stackDashboards(defaultThresholds, dir).map((d) => d.relativePath);
        assert.equal(paths[0], "AAA/nodes.json");
        assert.deepEqual(paths, [...paths].sort((a, b) => a.localeCompare(b)));
    });
});
