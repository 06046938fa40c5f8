// What the program manages on an external Grafana (grafanaMode external), through its HTTP API:
// a folder per dashboard folder, a datasource per queryable store and every dashboard the stack
// would provision on its own Grafana, from the same JSON. Pure: config and dashboards in, the
// resources' inputs out (components/grafanaApi.ts places them).
import { dashboardProvisioned } from "../model/services";
import type { MonitoringConfig } from "../model/stack";
import type { DashboardSource } from "./grafana";
import { resolveDashboardDatasources } from "./dashboardDatasources";
import { remoteDatasources, type RemoteDatasource } from "./remoteWrite";

export interface ManagedFolder {
    readonly title: string;
    readonly uid: string;
}

export interface ManagedDashboard {
    /** The dashboard's own uid (from its JSON): its stable URL, and what the resource is named after. */
    readonly uid: string;
    readonly folderUid: string;
    readonly configJson: string;
    readonly relativePath: string;
}

export interface GrafanaApiPlan {
    readonly folders: readonly ManagedFolder[];
    readonly datasources: readonly RemoteDatasource[];
    readonly dashboards: readonly ManagedDashboard[];
}

/** Folder uids are fixed (a rename of the title keeps the folder), and carry the product's name. */
export const folderUid = (title: string) => `vps-monitoring-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

function dashboardUid(d: DashboardSource): string {
    const parsed = JSON.parse(d.content) as { uid?: unknown };
    if (typeof parsed.uid !== "string" || parsed.uid === "") throw new Error(`dashboards/${d.relativePath} has no uid`);
    return parsed.uid;
}

export function grafanaApiPlan(m: MonitoringConfig, dashboards: readonly DashboardSource[]): GrafanaApiPlan {
    const shown = dashboards.filter((d) => dashboardProvisioned(m, d.relativePath));
    const folderOf = (d: DashboardSource) => {
        const slash = d.relativePath.indexOf("/");
        return slash < 0 ? "General" : d.relativePath.slice(0, slash);
    };
    const titles = [...new Set(shown.map(folderOf))];
    // The same rewrite as file provisioning: a user's exported dashboard points at our datasource uids.
    const managed = shown.map((d): ManagedDashboard => {
        const resolved = resolveDashboardDatasources(d.relativePath, d.content, JSON.parse(d.content) as Record<string, unknown>);
        if (resolved.problems.length > 0) throw new Error(`Dashboards that cannot show data on this stack:\n${resolved.problems.map((p) => `  - ${p}`).join("\n")}`);
        return { uid: dashboardUid(d), folderUid: folderUid(folderOf(d)), configJson: resolved.content, relativePath: d.relativePath };
    });
    const uids = managed.map((d) => d.uid);
    const twice = uids.find((u, i) => uids.indexOf(u) !== i);
    if (twice !== undefined) throw new Error(`two dashboards have the uid ${twice}; Grafana would keep only one`);
    return { folders: titles.map((title) => ({ title, uid: folderUid(title) })), datasources: remoteDatasources(m), dashboards: managed };
}
