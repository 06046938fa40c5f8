// Builds the dashboards of dashboards/src (Grafana Foundation SDK) and writes them to
// dashboards/<Folder>/<name>.json, the files Grafana provisions. Run: npx tsx scripts/dashboards.ts
/// <reference path="../dashboards/src/grafana-sdk.d.ts" />
import * as fs from "fs";
import * as path from "path";
import { applications } from "../dashboards/src/applications";
import type { BuiltDashboard } from "../dashboards/src/common";
import { dashboardsDir } from "../components/stackFiles";
import { heartbeats } from "../dashboards/src/heartbeats";
import { host } from "../dashboards/src/host";
import { monitoring } from "../dashboards/src/monitoring";
import { overview } from "../dashboards/src/overview";
import { redis } from "../dashboards/src/redis";


export const dashboards: readonly BuiltDashboard[] = [overview, monitoring, host, redis, applications, heartbeats];

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

/** Relative path below dashboards/ and file content of every generated dashboard. */
export function renderDashboardFiles(): { relativePath: string; content: string }[] {
    return dashboards.map((d) => ({ relativePath: `${d.folder}/${d.name}.json`, content: stableJson(d.dashboard) }));
}

function main(): void {
    for (const file of renderDashboardFiles()) {
        const target = path.join(dashboardsDir, file.relativePath);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.content);
        console.log(`wrote dashboards/${file.relativePath}`);
    }
}

if (require.main === module) main();
