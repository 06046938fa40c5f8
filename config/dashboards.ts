// The dashboards a stack provisions: those built from dashboards/src (with the stack's alert
// thresholds), and the user's own JSON files dropped into dashboards/<Folder>/ beside them
// (exported from Grafana or downloaded from grafana.com). render/grafana.ts points the user's
// at the provisioned datasources, or refuses them.
import type { AlertThresholds } from "../model/alerts";
import { defaultThresholds } from "../model/alerts";
import { dashboardFiles } from "../dashboards/src";
import { readDashboards, type DashboardSource } from "../render/grafana";
import { dashboardsDir } from "./stackFiles";

/** Paths below dashboards/ of the generated dashboards (the same for every threshold). */
export function generatedDashboardPaths(): ReadonlySet<string> {
    return new Set(dashboardFiles(defaultThresholds).map((d) => d.relativePath));
}

/** JSON files below dashboards/ that dashboards/src does not build: the user's own. */
export function userDashboards(dir = dashboardsDir): DashboardSource[] {
    const generated = generatedDashboardPaths();
    return readDashboards(dir).filter((d) => !generated.has(d.relativePath));
}

/** Everything a stack with these thresholds provisions, sorted by path. */
export function stackDashboards(t: AlertThresholds, dir = dashboardsDir): DashboardSource[] {
    return [...dashboardFiles(t), ...userDashboards(dir)].sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}
