// Every configuration file the stack deploys, from the same renderers the components use.
import { MonitoringConfig } from "../model/stack";
import { renderAlertmanager } from "./alertmanager";
import { renderRedisExporter } from "./exporters";
import { RenderedFile } from "./files";
import { DashboardSource, renderGrafana } from "./grafana";
import { renderPrometheus } from "./prometheus";
import { renderRules } from "./rules";

export function renderStackFiles(m: MonitoringConfig, dashboards: readonly DashboardSource[]): RenderedFile[] {
    return [
        ...renderPrometheus(m),
        ...renderRules(m),
        ...renderAlertmanager(m),
        ...renderGrafana(m, dashboards),
        ...m.redis.flatMap(renderRedisExporter),
    ];
}
