// Grafana provisioning: datasources with pinned uids and a file provider for dashboards/.
import * as fs from "fs";
import * as path from "path";
import { containerPaths, containerPorts, containerUids } from "../model/catalog";
import { MonitoringConfig } from "../model/stack";
import { hostDirs, RenderedFile, secretsDir, yamlText } from "./files";
import { provisionedDatasources, resolveDashboardDatasources } from "./dashboardDatasources";
import { serviceAliases } from "../model/names";
import { dashboardProvisioned } from "../model/services";
import { provisionedRemoteDatasources } from "./remoteWrite";

/** A dashboard JSON file below dashboards/; its folder in Grafana is its sub-folder. */
export interface DashboardSource {
    /** e.g. "Monitoring/overview.json". */
    readonly relativePath: string;
    readonly content: string;
}

const dashboardPathPattern = /^([A-Za-z0-9 _-]+\/)?[A-Za-z0-9._-]+\.json$/;

const owner = containerUids.grafana;

/** Name of the admin password file in Grafana's secrets directory. */
const adminPasswordName = "admin_password";

/** The admin password file below configRoot (written by pulumi up from the Pulumi secret). */
export const grafanaAdminPasswordFile = `${hostDirs.grafana}/${secretsDir}/${adminPasswordName}`;

const [prometheusSource, alertmanagerSource] = provisionedDatasources;
const provisioned = { prometheus: prometheusSource, alertmanager: alertmanagerSource };

export function renderDatasources(m: MonitoringConfig): RenderedFile {
    const datasources = {
        apiVersion: 1,
        prune: true,
        datasources: [
            {
                ...provisioned.prometheus, access: "proxy", isDefault: true, editable: false,
                url: `http://${serviceAliases.prometheus}:${containerPorts.prometheus}`,
                jsonData: { timeInterval: m.prometheus.scrapeInterval, httpMethod: "POST" },
            },
            {
                ...provisioned.alertmanager, access: "proxy", editable: false,
                url: `http://${serviceAliases.alertmanager}:${containerPorts.alertmanager}`,
                jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
            },
            ...provisionedRemoteDatasources(m).datasources,
        ],
    };
    return { path: `${hostDirs.grafana}/provisioning/datasources/datasources.yml`, content: yamlText(datasources), secret: false, owner };
}

export function renderGrafana(m: MonitoringConfig, dashboards: readonly DashboardSource[]): RenderedFile[] {
    const providers = {
        apiVersion: 1,
        providers: [{
            name: "dashboards", type: "file", disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30,
            options: { path: containerPaths.grafanaDashboardsDir, foldersFromFilesStructure: true },
        }],
    };
    const files: RenderedFile[] = [
        renderDatasources(m),
        { path: `${hostDirs.grafana}/provisioning/dashboards/dashboards.yml`, content: yamlText(providers), secret: false, owner },
        ...provisionedRemoteDatasources(m).files,
    ];
    const unresolved: string[] = [];
    for (const d of dashboards) {
        if (!dashboardPathPattern.test(d.relativePath)) {
            throw new Error(`dashboards/${d.relativePath}: name dashboards like <Folder>/<name>.json with letters, digits, . _ - only`);
        }
        // Grafana has no offline checker: a dashboard it cannot parse is refused here, before any resource.
        let parsed: unknown;
        try {
            parsed = JSON.parse(d.content);
        } catch (e) {
            throw new Error(`dashboards/${d.relativePath} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || typeof (parsed as { uid?: unknown }).uid !== "string") {
            throw new Error(`dashboards/${d.relativePath} is not a dashboard: a JSON object with a string uid is required`);
        }
        // An export's inputs and foreign datasource uids point at ours, or the dashboard is refused.
        const resolved = resolveDashboardDatasources(d.relativePath, d.content, parsed as Record<string, unknown>);
        unresolved.push(...resolved.problems);
        // Checked either way, so a broken dashboard fails before the stack that shows it exists.
        if (dashboardProvisioned(m, d.relativePath)) files.push({ path: `${hostDirs.grafana}/dashboards/${d.relativePath}`, content: resolved.content, secret: false, owner });
    }
    if (unresolved.length > 0) throw new Error(`Dashboards that cannot show data on this stack:\n${unresolved.map((p) => `  - ${p}`).join("\n")}`);
    return files;
}

/** Environment of the Grafana container: no credentials, only a path to the password file. */
export function grafanaEnvironment(m: MonitoringConfig): Record<string, string> {
    return {
        // Provisioning is read through the release the swap script made current.
        GF_PATHS_PROVISIONING: containerPaths.grafanaProvisioningDir,
        GF_SECURITY_ADMIN_USER: m.grafana.adminUser,
        GF_SECURITY_ADMIN_PASSWORD__FILE: `${containerPaths.grafanaSecretsDir}/${adminPasswordName}`,
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_AUTH_BASIC_ENABLED: "true",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_USERS_ALLOW_ORG_CREATE: "false",
        GF_SECURITY_DISABLE_GRAVATAR: "true",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        GF_SERVER_ROOT_URL: `http://localhost:${m.grafana.port}/`,
    };
}

/** Reads dashboards/**.json of this repository (sorted, so renders are deterministic). */
export function readDashboards(dir: string): DashboardSource[] {
    if (!fs.existsSync(dir)) return [];
    const found: DashboardSource[] = [];
    const walk = (sub: string) => {
        for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const rel = sub ? `${sub}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(rel);
            else if (entry.name.endsWith(".json")) found.push({ relativePath: rel, content: fs.readFileSync(path.join(dir, rel), "utf8") });
        }
    };
    walk("");
    return found;
}
