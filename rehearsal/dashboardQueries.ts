// The queries Grafana would run for the committed dashboards: every panel's targets (instant or
// range), the dashboards' variables, and Grafana's substitution of `$var` and `$__rate_interval`.
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { readDashboards } from "../render/grafana";
import { dashboardsDir } from "../config/stackFiles";
import { generatedDashboardPaths } from "../config/dashboards";
import { isRecord } from "../model/typeGuards";

export interface PanelQuery {
    readonly dashboard: string;
    readonly panel: string;
    readonly refId: string;
    readonly expr: string;
    /** Stat and table panels ask for the latest value; time series for a range. */
    readonly instant: boolean;
    /** The panel's text for "no data", where the series legitimately does not exist for some selection. */
    readonly noValue?: string;
}

export interface DashboardVariable {
    readonly dashboard: string;
    readonly name: string;
    /** Grafana's `label_values(<selector>, <label>)`. */
    readonly query: string;
    /** The regex "All" stands for, when the variable offers All. */
    readonly allValue?: string;
}

export interface DashboardQueries {
    readonly file: string;
    readonly title: string;
    readonly queries: readonly PanelQuery[];
    readonly variables: readonly DashboardVariable[];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** isRecord, narrowing parsed JSON to its object type. */
export function isObject(v: Json | undefined): v is JsonObject {
    return isRecord(v);
}

export function asArray(v: Json | undefined): Json[] {
    return Array.isArray(v) ? v : [];
}

/** Top-level panels and the panels inside rows. */
export function panelsOf(d: JsonObject): JsonObject[] {
    const out: JsonObject[] = [];
    for (const p of asArray(d.panels)) {
        if (!isObject(p)) continue;
        out.push(p);
        for (const nested of asArray(p.panels)) if (isObject(nested)) out.push(nested);
    }
    return out;
}

/**
 * The generated dashboards' queries (dashboards/src): those the rehearsal proves return data. The
 * user's own dashboards below dashboards/ may select metrics this stack does not export.
 */
export function dashboardQueries(dir = dashboardsDir): DashboardQueries[] {
    const generated = generatedDashboardPaths();
    return readDashboards(dir).filter((d) => generated.has(d.relativePath)).map((d) => {
        const json = JSON.parse(d.content) as Json;
        if (!isObject(json)) throw new Error(`${d.relativePath}: not a JSON object`);
        const title = String(json.title);
        const queries: PanelQuery[] = [];
        for (const panel of panelsOf(json)) {
            for (const t of asArray(panel.targets)) {
                if (!isObject(t) || typeof t.expr !== "string") continue;
                const defaults = isObject(panel.fieldConfig) && isObject(panel.fieldConfig.defaults) ? panel.fieldConfig.defaults : {};
                queries.push({
                    dashboard: title, panel: String(panel.title), refId: String(t.refId), expr: t.expr, instant: t.instant === true,
                    noValue: typeof defaults.noValue === "string" ? defaults.noValue : undefined,
                });
            }
        }
        const variables: DashboardVariable[] = [];
        for (const v of asArray(isObject(json.templating) ? json.templating.list : [])) {
            if (!isObject(v) || v.type !== "query") continue;
            const q = isObject(v.query) ? v.query.query : v.query;
            variables.push({
                dashboard: title, name: String(v.name), query: String(q),
                allValue: v.includeAll === true && typeof v.allValue === "string" ? v.allValue : undefined,
            });
        }
        return { file: d.relativePath, title, queries, variables };
    });
}

/** `label_values(selector, label)` as a PromQL query whose series carry the label's values. */
export function labelValuesQuery(variableQuery: string): { expr: string; label: string } {
    const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(variableQuery.trim());
    if (!m) throw new Error(`variable query ${variableQuery}: only label_values(selector, label) is supported`);
    return { expr: `count by (${m[2]}) (${m[1]})`, label: m[2] };
}

/**
 * A single selected value as Grafana's Prometheus datasource puts it into a regex matcher: regex
 * metacharacters escaped, and the backslash doubled again for the PromQL string literal.
 */
export function regexEscape(value: string): string {
    return value.replace(/[\\^$.|?*+()[\]{}]/g, "\\\\$&");
}

/**
 * Grafana's substitution: `$__rate_interval` is max($__interval + scrape interval, 4 × scrape
 * interval) with the datasource's scrape interval; `$name` and `${name}` take `values[name]`.
 */
export function expandQuery(expr: string, values: Readonly<Record<string, string>>, rateIntervalMs: number): string {
    return expr
        .replace(/\$\{?__rate_interval\}?/g, `${Math.round(rateIntervalMs)}ms`)
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_match, braced: string | undefined, bare: string | undefined) => {
            const name = braced ?? bare ?? "";
            const value = values[name];
            if (value === undefined) throw new Error(`query ${expr}: no value for variable $${name}`);
            return value;
        });
}

/** Grafana's `$__rate_interval` for a range query with step `stepMs` and the datasource's scrape interval. */
export function rateIntervalMs(stepMs: number, scrapeMs: number): number {
    return Math.max(stepMs + scrapeMs, 4 * scrapeMs);
}

/** The vector selectors of a PromQL expression as written, e.g. `up{job="node"}` of `count(up{job="node"} == 0) or vector(0)`. */
export function vectorSelectors(expr: string): string[] {
    const found: string[] = [];
    promqlParser.parse(expr).iterate({
        enter(n) {
            if (n.name !== "VectorSelector") return;
            found.push(expr.slice(n.from, n.to));
            return false;
        },
    });
    return found;
}
