// Every configuration file the stack deploys, from the same service renderers the components use.
import type { MonitoringConfig } from "../model/stack";
import type { RenderedFile } from "./files";
import type { DashboardSource } from "./grafana";
import { renderServices } from "./services";
import { renderBackupFiles } from "./backup";

export function renderStackFiles(m: MonitoringConfig, dashboards: readonly DashboardSource[]): RenderedFile[] {
    return [...renderServices(m, dashboards).flatMap((s) => s.files), ...renderBackupFiles(m)];
}
