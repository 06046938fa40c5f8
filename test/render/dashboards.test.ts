// Dashboards as code: the committed JSON is what dashboards/src builds, every file is valid for
// Grafana's file provisioning, and every PromQL expression (dashboards and rules/*.yml) parses and
// only selects metrics listed in test/monitoringMetrics.ts.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { dashboardFiles } from "../../dashboards/src";
import { defaultThresholds } from "../../model/alerts";
import { dashboardsDir } from "../../config/stackFiles";
import { referenceMonitoring } from "../../scripts/rules";
import { readDashboards, renderDatasources, renderGrafana } from "../../render/grafana";
import { generatedDashboardPaths, userDashboards } from "../../config/dashboards";
import { hostDirs } from "../../model/catalog";
import { asArray, dashboardQueries, isObject, panelsOf, type Json } from "../../rehearsal/dashboardQueries";
import { knownMetricNames, metricNamePatterns, recordingRuleMetrics } from "../monitoringMetrics";

interface Expression {
    readonly where: string;
    readonly expr: string;
}

const committed = readDashboards(dashboardsDir);
const generatedPaths = generatedDashboardPaths();
/** The generated dashboards: their queries are held to the metrics the stack exports. */
const parsed = committed.filter((d) => generatedPaths.has(d.relativePath)).map((d) => ({ file: d.relativePath, json: JSON.parse(d.content) as Json }));
/** Every dashboard, generated or the user's, as the stack provisions it (datasources resolved by renderGrafana). */
const provisionedDashboards = renderGrafana(referenceMonitoring(), committed)
    .filter((f) => f.path.startsWith(`${hostDirs.grafana}/dashboards/`))
    .map((f) => ({ file: f.path.slice(`${hostDirs.grafana}/dashboards/`.length), json: JSON.parse(f.content) as Json }));

function dashboardExpressions(): Expression[] {
    return dashboardQueries().flatMap((d) => d.queries.map((q) => ({ where: `${d.file} panel "${q.panel}" ${q.refId}`, expr: q.expr })));
}

const rulesDir = path.join(__dirname, "..", "..", "rules");

function ruleExpressions(): Expression[] {
    const out: Expression[] = [];
    for (const name of fs.readdirSync(rulesDir).filter((f) => f.endsWith(".yml")).sort()) {
        const doc = yaml.load(fs.readFileSync(path.join(rulesDir, name), "utf8")) as Json;
        if (!isObject(doc)) continue;
        for (const group of asArray(doc.groups)) {
            if (!isObject(group)) continue;
            for (const rule of asArray(group.rules)) {
                if (isObject(rule) && typeof rule.expr === "string") {
                    out.push({ where: `rules/${name} ${String(rule.alert ?? rule.record)}`, expr: rule.expr });
                }
            }
        }
    }
    return out;
}

/** Grafana's variables ($job, ${instance}, ${x:regex}, $__rate_interval) replaced by something PromQL accepts. */
function substituteVariables(expr: string): string {
    return expr
        .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
        .replace(/\$\{__(rate_interval|interval|range)\}/g, "5m")
        .replace(/\$\{[A-Za-z0-9_]+(:[a-z]+)?\}/g, "placeholder")
        .replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, "placeholder");
}

function parseErrors(expr: string): string[] {
    const errors: string[] = [];
    parser.parse(expr).iterate({
        enter(n) {
            if (n.type.isError) errors.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 20), n.to + 20))}`);
        },
    });
    return errors;
}

function unquote(literal: string): string {
    return literal.length >= 2 ? literal.slice(1, -1).replace(/\\(.)/g, "$1") : literal;
}

/** Metric names a selector selects: its identifier, or its `__name__` matcher (prefixed "~" when a regex). */
function selectedNames(expr: string): string[] {
    const names: string[] = [];
    parser.parse(expr).iterate({
        enter(n) {
            if (n.name !== "VectorSelector") return;
            const id = n.node.getChild("Identifier");
            if (id) {
                names.push(expr.slice(id.from, id.to));
                return false;
            }
            const matchers = n.node.getChild("LabelMatchers");
            for (const m of matchers ? matchers.getChildren("UnquotedLabelMatcher") : []) {
                const label = m.getChild("LabelName");
                const op = m.getChild("MatchOp");
                const value = m.getChild("StringLiteral");
                if (!label || !op || !value || expr.slice(label.from, label.to) !== "__name__") continue;
                const v = unquote(expr.slice(value.from, value.to));
                names.push(expr.slice(op.from, op.to) === "=" ? v : `~${v}`);
            }
            return false;
        },
    });
    return names;
}

const allExpressions = (): Expression[] => [...dashboardExpressions(), ...ruleExpressions()];

test("the committed dashboards are what dashboards/src builds", () => {
    const fresh = dashboardFiles(defaultThresholds);
    const generated = new Set(fresh.map((f) => f.relativePath));
    for (const f of fresh) {
        const onDisk = committed.find((c) => c.relativePath === f.relativePath);
        assert.ok(onDisk, `dashboards/${f.relativePath} is missing; run \`npx tsx scripts/dashboards.ts\` and commit dashboards/`);
        assert.equal(onDisk.content, f.content, `dashboards/${f.relativePath} is out of date; run \`npx tsx scripts/dashboards.ts\` and commit dashboards/`);
    }
    // Any other file is the user's own (userDashboards), checked below like every dashboard.
    assert.deepEqual(userDashboards().map((d) => d.relativePath), committed.filter((c) => !generated.has(c.relativePath)).map((c) => c.relativePath));
});

test("every dashboard is valid for provisioning and uses the provisioned Prometheus datasource", () => {
    const provisioned = yaml.load(renderDatasources(referenceMonitoring()).content) as Json;
    const uids = new Set(asArray(isObject(provisioned) ? provisioned.datasources : []).flatMap((d) => (isObject(d) && typeof d.uid === "string" ? [d.uid] : [])));
    assert.ok(uids.has("prometheus"), "renderDatasources provisions the datasource uid prometheus");
    assert.ok(parsed.length >= 6, `expected the six dashboards, found ${parsed.length}`);
    assert.equal(provisionedDashboards.length, committed.length, "the reference stack provisions every committed dashboard");
    const seen = new Map<string, string>();
    for (const { file, json } of provisionedDashboards) {
        assert.ok(isObject(json), `${file}: a JSON object`);
        assert.ok(typeof json.uid === "string" && json.uid.length > 0 && json.uid.length <= 40, `${file}: uid of 1-40 characters`);
        assert.match(json.uid, /^[A-Za-z0-9_-]+$/, `${file}: uid of letters, digits, - and _`);
        assert.ok(!seen.has(json.uid), `${file}: uid ${json.uid} also used by ${seen.get(json.uid)}`);
        seen.set(json.uid, file);
        assert.ok(typeof json.title === "string" && json.title.length > 0, `${file}: title`);
        assert.ok(typeof json.schemaVersion === "number" && json.schemaVersion >= 36, `${file}: schemaVersion`);
        assert.ok(asArray(json.tags).length > 0, `${file}: tags`);
        const panels = panelsOf(json);
        assert.ok(panels.length > 0, `${file}: panels`);
        const ids = new Set<number>();
        const checkRef = (ref: Json | undefined, where: string) => {
            assert.ok(isObject(ref), `${where}: datasource reference`);
            assert.equal(ref.type, "prometheus", `${where}: datasource type`);
            assert.ok(typeof ref.uid === "string" && uids.has(ref.uid) && ref.uid === "prometheus", `${where}: datasource uid must be "prometheus"`);
        };
        for (const p of panels) {
            const where = `${file} panel "${String(p.title)}"`;
            assert.ok(typeof p.id === "number" && !ids.has(p.id), `${where}: unique numeric id`);
            ids.add(p.id);
            const g = p.gridPos;
            assert.ok(isObject(g) && ["x", "y", "w", "h"].every((k) => typeof g[k] === "number"), `${where}: gridPos {x, y, w, h}`);
            assert.ok(Number(g.x) + Number(g.w) <= 24, `${where}: inside the 24-column grid`);
            if (p.type === "row") continue;
            checkRef(p.datasource, where);
            for (const t of asArray(p.targets)) checkRef(isObject(t) ? t.datasource : undefined, `${where} target`);
        }
        for (const v of asArray(isObject(json.templating) ? json.templating.list : [])) {
            if (isObject(v) && v.type === "query") checkRef(v.datasource, `${file} variable ${String(v.name)}`);
        }
    }
});

test("every panel has at least one query", () => {
    for (const { file, json } of provisionedDashboards) {
        if (!isObject(json)) continue;
        for (const p of panelsOf(json)) {
            if (p.type === "row") continue;
            const targets = asArray(p.targets).filter((t) => isObject(t) && typeof t.expr === "string" && t.expr.trim() !== "");
            assert.ok(targets.length > 0, `${file} panel "${String(p.title)}" has no target with an expr`);
        }
    }
});

test("every PromQL expression of the dashboards and rules/*.yml parses", () => {
    const expressions = allExpressions();
    assert.ok(expressions.length > 50, `found only ${expressions.length} expressions`);
    const failures = expressions.flatMap((e) => parseErrors(substituteVariables(e.expr)).map((err) => `${e.where}: ${err}`));
    assert.deepEqual(failures, []);
    // The checker itself catches errors.
    assert.notDeepEqual(parseErrors("sum(rate(up[5m])"), []);
});

test("every metric a dashboard or rule selects is listed in test/monitoringMetrics.ts", () => {
    const patterns = new Set<string>(metricNamePatterns);
    const unknown: string[] = [];
    for (const e of allExpressions()) {
        for (const name of selectedNames(substituteVariables(e.expr))) {
            const ok = name.startsWith("~") ? patterns.has(name.slice(1)) : knownMetricNames.has(name);
            if (!ok) unknown.push(`${e.where}: ${name}`);
        }
    }
    assert.deepEqual(unknown, [], "add the metric to test/monitoringMetrics.ts only if the deployed exporter exposes it");
    assert.deepEqual(selectedNames(`sum(rate(foo_total{a="b"}[5m])) / {__name__=~"x.+"} + up`), ["foo_total", "~x.+", "up"]);
});

test("every recording rule of rules/*.yml is listed in test/monitoringMetrics.ts", () => {
    const records = new Set<string>();
    for (const name of fs.readdirSync(rulesDir).filter((f) => f.endsWith(".yml"))) {
        for (const m of fs.readFileSync(path.join(rulesDir, name), "utf8").matchAll(/^\s*- record: (\S+)$/gm)) records.add(m[1]);
    }
    assert.deepEqual([...records].sort(), [...recordingRuleMetrics].sort());
});

/**
 * What each panel with several queries must show, one metric per query, as its title and legends
 * promise (written from the titles, not copied from the queries): dropping a query fails here.
 */
const multiQueryPanels: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
    "Applications": {
        "Latency p95 and p99": ["job:http_request_duration_seconds:p95_rate5m", "job:http_request_duration_seconds:p99_rate5m"],
    },
    "Host": {
        "Load average per core": ["node_load1", "node_load5", "node_load15"],
        "Memory": ["node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", "node_memory_Cached_bytes", "node_memory_SwapFree_bytes"],
        "Disk throughput": ["node_disk_read_bytes_total", "node_disk_written_bytes_total"],
        "Network traffic": ["node_network_receive_bytes_total", "node_network_transmit_bytes_total"],
        "Network errors and drops": ["node_network_receive_errs_total", "node_network_transmit_errs_total", "node_network_receive_drop_total", "node_network_transmit_drop_total"],
    },
    "Monitoring self": {
        "Alerts sent to Alertmanager": ["prometheus_notifications_sent_total", "prometheus_notifications_errors_total", "prometheus_notifications_dropped_total"],
        "Notification queue": ["prometheus_notifications_queue_length", "prometheus_notifications_queue_capacity"],
        "Alertmanager notifications by integration": ["alertmanager_notifications_total", "alertmanager_notifications_failed_total"],
        "TSDB storage": ["prometheus_tsdb_storage_blocks_bytes", "prometheus_tsdb_wal_storage_size_bytes"],
        "Compactions and WAL": ["prometheus_tsdb_compactions_failed_total", "prometheus_tsdb_wal_corruptions_total"],
    },
    "Redis": {
        "Memory used vs max": ["redis_memory_used_bytes", "redis_memory_max_bytes"],
        "Clients": ["redis_connected_clients", "redis_blocked_clients", "redis_config_maxclients"],
        "Keys": ["redis_db_keys", "redis_db_keys_expiring"],
        "Evicted, expired and rejected": ["redis_evicted_keys_total", "redis_expired_keys_total", "redis_rejected_connections_total"],
    },
};

test("every panel with several queries keeps each of them: one query per promised metric", () => {
    const found: string[] = [];
    for (const { json } of parsed) {
        if (!isObject(json)) continue;
        const title = String(json.title);
        for (const p of panelsOf(json)) {
            const exprs = asArray(p.targets).flatMap((t) => (isObject(t) && typeof t.expr === "string" ? [t.expr] : []));
            if (exprs.length < 2) continue;
            const where = `${title} / ${String(p.title)}`;
            found.push(where);
            const promised = multiQueryPanels[title]?.[String(p.title)];
            assert.ok(promised, `${where} has ${exprs.length} queries: say in multiQueryPanels what each must show`);
            assert.equal(exprs.length, promised.length, `${where}: one query per promised metric (${promised.join(", ")})`);
            const unmatched = [...exprs];
            for (const metric of promised) {
                const i = unmatched.findIndex((e) => selectedNames(substituteVariables(e)).includes(metric));
                assert.ok(i >= 0, `${where}: no query left that shows ${metric}`);
                unmatched.splice(i, 1);
            }
        }
    }
    const listed = Object.entries(multiQueryPanels).flatMap(([d, panels]) => Object.keys(panels).map((p) => `${d} / ${p}`));
    assert.deepEqual(found.sort(), listed.sort(), "multiQueryPanels names exactly the panels with several queries");
});
