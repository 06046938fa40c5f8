// Prometheus in agent mode on a fleet host that the monitoring host cannot reach (FleetHost.push):
// it scrapes the host's own agents at the address the monitoring host would have used, so every
// series has the same job, instance and labels as a pulled host's, and pushes them with the
// stack's external labels (host = the fleet host's name) to the stack's remoteWrite stores. Pure:
// config in, files and command line out; the fleet deploy places them like the monitoring
// host's Prometheus (files in a release below `prometheus/`, read through `current`).
//
// Agent mode has no rules, alerting or local queries: alerts on pushed hosts are evaluated where
// their data is (the store's ruler, e.g. vmalert or Mimir's), not by the monitoring host.
// `--agent` is the 3.x flag; Debian's 2.42 spells it `--enable-feature=agent` (rehearsal/skew.ts).
import { containerPaths, containerPorts, containerUids, redisJob } from "../model/catalog";
import { fleetAgentPorts, fleetAgentUser, fleetScrapeFiles, type FleetHost } from "../model/fleet";
import type { MonitoringConfig } from "../model/stack";
import { renderedHeader, type RenderedFile, yamlText } from "./files";
import { externalLabels, prometheusConfigFile } from "./prometheus";
import { targetConfig } from "./remoteWrite";

/** Where the agent keeps its WAL (its data volume): unsent samples survive a restart there. */
export const agentDataPath = "/prometheus";

export interface RenderedAgent {
    readonly files: readonly RenderedFile[];
    readonly command: readonly string[];
}

function job(name: string, host: FleetHost, port: number, metricsPath?: string): Record<string, unknown> {
    const tls = host.transport === "tls";
    return {
        job_name: name,
        ...(metricsPath ? { metrics_path: metricsPath } : {}),
        ...(tls ? {
            scheme: "https",
            tls_config: { ca_file: `${containerPaths.prometheusConfigDir}/${fleetScrapeFiles.caCert}` },
            basic_auth: { username: fleetAgentUser, password_file: `${containerPaths.prometheusConfigDir}/${fleetScrapeFiles.password}` },
        } : {}),
        static_configs: [{ targets: [`${host.address}:${port}`], ...(Object.keys(host.labels).length > 0 ? { labels: host.labels } : {}) }],
    };
}

/** The agent's prometheus.yml (and its remote_write secret files) and its command line. */
export function renderAgentPrometheus(m: MonitoringConfig, host: FleetHost): RenderedAgent {
    // The embedded store and anything on the monitoring host are unreachable from here: only the user's stores.
    const targets = m.remote.remoteWrite.map(targetConfig);
    if (targets.length === 0) throw new Error(`hosts ${host.name}: push needs a remoteWrite store it can reach; add one to remoteWrite`);
    const ports = fleetAgentPorts(host);
    const config = {
        global: {
            scrape_interval: m.prometheus.scrapeInterval,
            scrape_timeout: m.prometheus.scrapeTimeout,
            external_labels: { ...externalLabels(m), host: host.name },
        },
        scrape_configs: [
            ...(host.agents ? [job("node", host, ports.nodeExporter)] : []),
            ...host.redis.map((r, i) => job(redisJob(r.name), host, ports.redisExporters[i])),
            ...host.apps.map((a) => job(a.job, host, a.port, a.metricsPath)),
        ],
        remote_write: targets.map((t) => t.config),
    };
    return {
        files: [
            { path: prometheusConfigFile, content: renderedHeader + yamlText(config), secret: false, owner: containerUids.prometheus },
            ...targets.flatMap((t) => t.files),
        ],
        command: [
            "--agent",
            `--config.file=${containerPaths.prometheusConfigDir}/prometheus.yml`,
            `--storage.agent.path=${agentDataPath}`,
            // Nothing needs to reach the agent: its API stays inside its own namespace.
            `--web.listen-address=127.0.0.1:${containerPorts.prometheus}`,
        ],
    };
}

