// Every dashboard of dashboards/src, built for one set of alert thresholds, as the JSON files
// Grafana provisions. `npm run dashboards` writes them for the default thresholds into
// dashboards/<Folder>/<name>.json (the committed reference); the program and `npm run render`
// build them again with the stack's `alertThresholds`, so panels turn red where the stack's alerts fire.
import type { AlertThresholds } from "../../model/alerts";
import type { DashboardSource } from "../../render/grafana";
import { applications } from "./applications";
import type { BuiltDashboard } from "./common";
import { heartbeats } from "./heartbeats";
import { fleet } from "./fleet";
import { hostDashboard } from "./host";
import { monitoring } from "./monitoring";
import { overview } from "./overview";
import { probes } from "./probes";
import { redis } from "./redis";

export function buildDashboards(t: AlertThresholds): BuiltDashboard[] {
    return [overview(t), monitoring, hostDashboard(t), fleet(t), redis(t), applications(t), heartbeats(t), probes(t)];
}

/** JSON with object keys sorted at every level (arrays keep their order), 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
    const sort = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(sort);
        if (v !== null && typeof v === "object") {
            const out: Record<string, unknown> = {};
            for (const key of Object.keys(v).sort()) {
                const child = (v as Record<string, unknown>)[key];
                if (child !== undefined) out[key] = sort(child);
            }
            return out;
        }
        return v;
    };
    return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Every dashboard's path below dashboards/ and its file content, for these thresholds, by path (as readDashboards lists them). */
export function dashboardFiles(t: AlertThresholds): DashboardSource[] {
    return buildDashboards(t)
        .map((d) => ({ relativePath: `${d.folder}/${d.name}.json`, content: stableJson(d.dashboard) }))
        .sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}
