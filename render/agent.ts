// Prometheus in agent mode on a fleet host that the monitoring host cannot reach (FleetHost.push):
// it scrapes the host's own agents on loopback and pushes the samples to the stack's remoteWrite
// stores, with the same job names and labels (`host` = the fleet host's name, its own labels) as
// the monitoring host gives a pulled host's series (render/fleetScrape.ts), so the store's rules
// and the dashboards see one fleet. Pure: config in, files, command line and healthcheck out;
// components/fleet.ts places them on the host over SSH.
//
// Agent mode has no rules, alerting or local queries: alerts on pushed hosts are evaluated where
// their data is (the store's ruler, e.g. vmalert or Mimir's), not by the monitoring host.
// `--agent` is the 3.x flag (the pinned prom/prometheus:v3.5.0); Debian's 2.42 spells it
// `--enable-feature=agent` (rehearsal/skew.ts forDebianAgent).
import { containerPaths, containerUids } from "../model/catalog";
import { fleetAgentPorts, pushAgentPrometheusPort, pushHostAgentAddress, type FleetHost } from "../model/fleet";
import { stackNames, type ServiceNames } from "../model/names";
import type { MonitoringConfig } from "../model/stack";
import { renderedHeader, type RenderedFile, yamlText } from "./files";
import { fleetAgentDir, hostPort } from "./fleet";
import { fleetJobs, hostDownAlertName, hostLabelName } from "./fleetScrape";
import { shellQuote } from "./hostCommands";
import { externalLabels, prometheusConfigFile } from "./prometheus";
import { targetConfig } from "./remoteWrite";
import { runbookAnnotation } from "./rules";

/** Where the agent keeps its WAL (a Docker volume): unsent samples survive a restart there. */
export const agentDataPath = containerPaths.prometheusData;

/**
 * Memory limit of the agent container. Agent mode keeps no queryable head block, only the WAL and
 * the remote_write queues (at most maxShards × capacity samples per store, 10 × 10 000 by
 * default): measured idle Prometheus is about 50 MB, so 256 MB leaves room for a backlog.
 */
export const agentPrometheusMemoryMb = 256;

/** The agent Prometheus container's names on the push host: `<prefix>-prometheus-agent`. */
export function agentPrometheusNames(stack: string): ServiceNames {
    return stackNames(stack).service("prometheus-agent");
}

/**
 * Its directory on the host, below configRoot; mounted where the monitoring host's Prometheus
 * reads its release (containerPaths.prometheusConfigDir), so the remote_write secret files keep
 * the paths render/remoteWrite.ts gives them.
 */
export function agentPrometheusDir(configRoot: string): string {
    return `${configRoot}/${fleetAgentDir}/prometheus`;
}

export interface RenderedAgent {
    /** Paths relative to configRoot/agent (prometheus/prometheus.yml, prometheus/secrets/…). */
    readonly files: readonly RenderedFile[];
    readonly command: readonly string[];
    readonly healthcheck: string;
    readonly names: ServiceNames;
    readonly binds: readonly { readonly hostPath: string; readonly containerPath: string }[];
}

interface StaticConfig {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * One loopback target with the labels a pulled host's target has. `instance` names the host
 * (`<name>:<port>`) rather than 127.0.0.1, which every push host would share.
 */
function staticConfig(host: FleetHost, port: number, more: Readonly<Record<string, string>> = {}): StaticConfig {
    return {
        targets: [hostPort(host.address, port)],
        // `host` last, as on the monitoring host: a user label cannot move a series to another machine.
        labels: { ...host.labels, ...more, instance: `${host.name}:${port}`, [hostLabelName]: host.name },
    };
}

/** The scrape jobs: the plain-HTTP fleet jobs (loopback needs no TLS), then one per app. */
export function agentScrapeConfigs(host: FleetHost): Record<string, unknown>[] {
    const ports = fleetAgentPorts(host);
    return [
        { job_name: fleetJobs.node["private-network"], static_configs: [staticConfig(host, ports.nodeExporter)] },
        ...(host.redis.length === 0 ? [] : [{
            job_name: fleetJobs.redis["private-network"],
            static_configs: host.redis.map((r, i) => staticConfig(host, ports.redisExporters[i], { redis: r.name })),
        }]),
        ...host.apps.map((a) => ({ job_name: a.job, metrics_path: a.metricsPath, static_configs: [staticConfig(host, a.port)] })),
    ];
}

/** The agent's prometheus.yml (and its remote_write secret files), command line and healthcheck. */
export function renderAgentPrometheus(m: MonitoringConfig, host: FleetHost): RenderedAgent {
    // The embedded store listens on the monitoring host's loopback: only the user's stores are reachable from here.
    const targets = m.remote.remoteWrite.map(targetConfig);
    if (targets.length === 0) throw new Error(`hosts ${host.name}: push needs a remoteWrite store it can reach; add one to remoteWrite`);
    if (host.address !== pushHostAgentAddress) throw new Error(`hosts ${host.name}: a push host's agents listen on ${pushHostAgentAddress}, not ${host.address}`);
    const config = {
        global: {
            scrape_interval: m.prometheus.scrapeInterval,
            scrape_timeout: m.prometheus.scrapeTimeout,
            external_labels: { ...externalLabels(m), [hostLabelName]: host.name },
        },
        scrape_configs: agentScrapeConfigs(host),
        remote_write: targets.map((t) => t.config),
    };
    const listen = hostPort(pushHostAgentAddress, pushAgentPrometheusPort);
    return {
        files: [
            { path: prometheusConfigFile, content: renderedHeader + yamlText(config), secret: false, owner: containerUids.prometheus },
            ...targets.flatMap((t) => t.files),
        ],
        command: [
            "--agent",
            `--config.file=${containerPaths.prometheusConfigDir}/prometheus.yml`,
            `--storage.agent.path=${agentDataPath}`,
            // Host network (its targets are on the host's loopback): the API binds loopback only.
            `--web.listen-address=${listen}`,
        ],
        healthcheck: `wget -q -O /dev/null http://${listen}/-/ready`,
        names: agentPrometheusNames(m.stack),
        binds: [{ hostPath: agentPrometheusDir(m.configRoot), containerPath: containerPaths.prometheusConfigDir }],
    };
}

/**
 * The agent's config reload after its files change: SIGHUP, which Prometheus answers by re-reading
 * them. A container that is not running reads them when it starts, so it is left alone.
 */
export function agentReloadCommand(names: ServiceNames): string {
    const container = shellQuote(names.container);
    return `if [ "$(docker inspect -f '{{.State.Running}}' ${container} 2>/dev/null)" = true ]; then docker kill --signal=HUP ${container} >/dev/null; fi`;
}

/** How long a push host may send nothing before its HostDown fires in the store's ruler. */
export const pushHostSilentWindow = "5m";

/** Where `npm run render` writes the rules for the store's ruler (relative to its output directory). */
export const storeRulerRulesPath = "store-ruler/push-hosts.yml";

/**
 * The HostDown of push hosts, for the store's ruler (vmalert, Mimir's ruler, Grafana Cloud): the
 * monitoring host never scrapes them, so its own HostDown cannot see them. One rule per host,
 * since `absent_over_time` carries only the labels of its selector's equality matchers; the
 * stack's `environment` keeps another stack's host of the same name from standing in for it.
 * Undefined without push hosts.
 */
export function pushHostRules(m: MonitoringConfig): string | undefined {
    const pushed = m.hosts.filter((h) => h.push === true);
    if (pushed.length === 0) return undefined;
    const rules = pushed.map((h) => ({
        alert: hostDownAlertName,
        expr: `absent_over_time(up{job="${fleetJobs.node["private-network"]}",${hostLabelName}="${h.name}",environment="${m.environment}"}[${pushHostSilentWindow}])`,
        labels: { severity: "critical" },
        annotations: {
            summary: `Host ${h.name} has pushed nothing for ${pushHostSilentWindow}`,
            description: `No sample of ${h.name}'s node-exporter reached the store for ${pushHostSilentWindow}: the machine, its network, its agent Prometheus or its credentials for the store are gone.`,
            ...runbookAnnotation(hostDownAlertName, m.runbookBaseUrl),
        },
    }));
    return renderedHeader + yamlText({ groups: [{ name: "push-hosts", rules }] });
}
