// Points a dashboard's datasource references at the datasources this stack provisions, so that a
// dashboard exported from another Grafana (or downloaded from grafana.com) shows data here:
// - an export's `__inputs` (`${DS_PROMETHEUS}`) become the provisioned uid of their plugin type;
// - a reference to a Prometheus or Alertmanager datasource by another uid, or by name, becomes
//   the provisioned one (one of each type is provisioned, so there is no ambiguity);
// - Grafana's built-in datasources and the dashboard's own datasource variables stay as they are.
// Anything else (a Loki panel, an input of a plugin we do not provision) cannot show data here:
// the dashboard is refused with its file and panel named, before any resource exists.
// Pure: text in, text out.
import { isRecord } from "../model/typeGuards";
import { datasourceUids } from "./mixin";

/** The datasources renderDatasources provisions: name, plugin type, pinned uid. */
export const provisionedDatasources = [
    { name: "Prometheus", type: "prometheus", uid: datasourceUids.prometheus },
    { name: "Alertmanager", type: "alertmanager", uid: datasourceUids.alertmanager },
] as const;

type Provisioned = (typeof provisionedDatasources)[number];

/** Grafana's own pseudo-datasources (annotations, mixed panels, panels reusing another panel's data). */
const builtinUids = new Set(["grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"]);

const byType = (type: unknown): Provisioned | undefined => provisionedDatasources.find((d) => d.type === type);
const known = provisionedDatasources.map((d) => `${d.type} (uid ${d.uid})`).join(" and ");

/** `${NAME}` or `$NAME` → NAME. */
function variableName(text: string): string | undefined {
    return /^\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}$/.exec(text)?.[1] ?? /^\$([A-Za-z0-9_]+)$/.exec(text)?.[1];
}

interface Resolution {
    /** The dashboard's text, rewritten only where a reference changed. */
    readonly content: string;
    /** One line per reference that resolves to nothing this stack provisions. */
    readonly problems: readonly string[];
}

/** Where in the dashboard a reference sits, for the refusal: its panel, variable or annotation. */
function placeOf(parentKey: string | undefined, grandKey: string | undefined, item: Record<string, unknown>, index: number): string | undefined {
    if (parentKey === "panels") return `panel "${String(item.title ?? "")}"${typeof item.id === "number" ? ` (id ${item.id})` : ` (#${index + 1})`}`;
    if (parentKey === "list" && grandKey === "templating") return `variable "${String(item.name ?? index + 1)}"`;
    if (parentKey === "list" && grandKey === "annotations") return `annotation "${String(item.name ?? index + 1)}"`;
    return undefined;
}

export function resolveDashboardDatasources(file: string, content: string, dashboard: Record<string, unknown>): Resolution {
    const problems: string[] = [];
    // An export's inputs: `${DS_PROMETHEUS}` stands for the datasource the importer picks.
    const inputs = new Map<string, Provisioned | string>();
    for (const input of Array.isArray(dashboard.__inputs) ? dashboard.__inputs : []) {
        if (!isRecord(input) || input.type !== "datasource" || typeof input.name !== "string") continue;
        inputs.set(input.name, byType(input.pluginId) ?? String(input.pluginId));
    }
    // The dashboard's datasource variables choose among the datasources of their type at view time.
    const templating = isRecord(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list : [];
    const datasourceVariables = new Map<string, unknown>();
    for (const v of templating) if (isRecord(v) && v.type === "datasource" && typeof v.name === "string") datasourceVariables.set(v.name, v.query);

    let changed = false;
    const refuse = (where: string, ref: unknown, why: string) =>
        problems.push(`dashboards/${file} ${where}: datasource ${JSON.stringify(ref)} ${why}; this stack provisions ${known}: point it at one of them or remove it`);

    /** The reference that replaces `ref`, or `ref` itself when it already resolves here. */
    const resolve = (ref: unknown, where: string): unknown => {
        if (ref === null || ref === undefined) return ref; // the default datasource: Prometheus
        const uidText = typeof ref === "string" ? ref : isRecord(ref) && typeof ref.uid === "string" ? ref.uid : undefined;
        const type = isRecord(ref) ? ref.type : undefined;
        const variable = uidText === undefined ? undefined : variableName(uidText);
        if (variable !== undefined) {
            const input = inputs.get(variable);
            if (typeof input === "object") return { type: input.type, uid: input.uid };
            if (typeof input === "string") return void refuse(where, ref, `is the export's input ${variable} of plugin ${input}`);
            const query = datasourceVariables.get(variable);
            if (query !== undefined && byType(query) !== undefined) return ref;
            return void refuse(where, ref, datasourceVariables.has(variable) ? `is variable ${variable} of plugin ${String(query)}` : `names ${variable}, neither an input of the export nor a datasource variable`);
        }
        if (type === "datasource" || (uidText !== undefined && builtinUids.has(uidText))) return ref;
        if (typeof ref === "string") {
            const named = provisionedDatasources.find((d) => d.name === ref || d.uid === ref);
            return named ? { type: named.type, uid: named.uid } : void refuse(where, ref, "is not provisioned by this stack");
        }
        const ofType = type === undefined ? provisionedDatasources.find((d) => d.uid === uidText) : byType(type);
        if (ofType) return { ...(isRecord(ref) ? ref : {}), type: ofType.type, uid: ofType.uid };
        return void refuse(where, ref, "is not provisioned by this stack");
    };

    const walk = (node: unknown, where: string, parentKey?: string, grandKey?: string): unknown => {
        if (Array.isArray(node)) {
            return node.map((item, i) => walk(item, isRecord(item) ? placeOf(parentKey, grandKey, item, i) ?? where : where, parentKey, grandKey));
        }
        if (!isRecord(node)) return node;
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(node)) {
            if (key === "datasource") {
                const resolved = resolve(value, where);
                if (JSON.stringify(resolved) !== JSON.stringify(value) && resolved !== undefined) changed = true;
                out[key] = resolved === undefined ? value : resolved;
            } else {
                out[key] = walk(value, where, key, parentKey);
            }
        }
        return out;
    };

    const { __inputs: exportInputs, ...rest } = dashboard;
    const resolved = walk(rest, "dashboard");
    if (exportInputs !== undefined) changed = true;
    return { content: changed ? `${JSON.stringify(resolved, null, 2)}\n` : content, problems };
}
