// The fleet as Prometheus sees it (issue 13): scrape jobs for every FleetHost's agents and apps,
// each target labelled `host`, and the HostDown rule that tells "the machine is gone" apart from
// "one target is down". Pure: config in, scrape configs and rules out.
import { durationMs } from "../config/units";
import { containerPaths } from "../model/catalog";
import type { PagingSettings } from "../model/paging";
import { fleetAgentPorts, fleetAgentUser, fleetScrapeFiles, type FleetHost, type FleetTransport } from "../model/fleet";
import type { MonitoringConfig } from "../model/stack";
import { re, selector } from "./promql";

/**
 * Scrape jobs of the fleet's agents, one per transport (a job has one scheme and one TLS config).
 * Their names are reserved: an app or Redis entry must not use them. The Redis jobs match
 * redisJobPattern, so the Redis rules cover them; the node jobs are in nodeJobs below.
 */
export const fleetJobs = {
    node: { "private-network": "node-fleet", tls: "node-fleet-tls" },
    redis: { "private-network": "redis-fleet", tls: "redis-fleet-tls" },
    /** Servers found by hetzner_sd_configs (render/discovery.ts); no Redis or apps there. */
    hetznerNode: "node-hetzner",
} as const satisfies { readonly node: Record<FleetTransport, string>; readonly redis: Record<FleetTransport, string>; readonly hetznerNode: string };

/** Job names no app or Redis entry may take (config/parse.ts refuses them). */
export const reservedFleetJobs: readonly string[] = [...Object.values(fleetJobs.node), ...Object.values(fleetJobs.redis), fleetJobs.hetznerNode];

/** Node-exporter jobs of fleet hosts: HostDown watches these (the monitoring host's own `node` job is not one). */
export const fleetNodeJobs: readonly string[] = [...Object.values(fleetJobs.node), fleetJobs.hetznerNode];

export const hostDownAlertName = "HostDown";

/** The label every fleet series carries: which machine it comes from. Also an external label (render/prometheus.ts). */
export const hostLabelName = "host";

/**
 * HostDown's timing and rule group, in one place: critical alerts may move to a faster path
 * (their own group and scrape interval) without touching the rule itself. `for` stays at least one
 * scrape interval below the `for` of the alerts it holds back (TargetDown, RedisDown: 1m): a dead
 * host's app may fail its scrape up to a scrape interval before the node-exporter does, and
 * HostDown must reach Alertmanager before that alert's group_wait ends, or it pages.
 */
export const hostDownRule = { group: "fleet" } as const;

/**
 * HostDown's `for`: one fast-path scrape shorter than the other paging alerts (criticalFor), so it
 * reaches Alertmanager no later than the TargetDown/RedisDown of the same dead host and holds them
 * back (model/paging.ts; with the defaults 35 s: blips under 25 s stay silent, worst case 53 s).
 */
export function hostDownFor(p: PagingSettings): string {
    return `${(durationMs(p.for) - durationMs(p.scrapeInterval)) / 1000}s`;
}

interface StaticConfig {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

export interface FleetScrapeConfig {
    readonly job_name: string;
    readonly metrics_path?: string;
    readonly scheme?: "https";
    readonly tls_config?: { readonly ca_file: string; readonly cert_file: string; readonly key_file: string };
    readonly basic_auth?: { readonly username: string; readonly password_file: string };
    readonly static_configs: readonly StaticConfig[];
}

/** Where Prometheus reads a file of its own release (fleetScrapeFiles are relative to it). */
export function prometheusReleasePath(relative: string): string {
    return `${containerPaths.prometheusConfigDir}/${relative}`;
}

/** scheme, CA and basic auth for agents behind the exporters' own TLS; nothing for the private network. */
function transportFields(transport: FleetTransport): Pick<FleetScrapeConfig, "scheme" | "tls_config" | "basic_auth"> {
    if (transport === "private-network") return {};
    return {
        scheme: "https",
        // The agents require Prometheus' client certificate (redis_exporter 1.74 has no hashed basic auth).
        tls_config: {
            ca_file: prometheusReleasePath(fleetScrapeFiles.caCert),
            cert_file: prometheusReleasePath(fleetScrapeFiles.clientCert),
            key_file: prometheusReleasePath(fleetScrapeFiles.clientKey),
        },
        basic_auth: { username: fleetAgentUser, password_file: prometheusReleasePath(fleetScrapeFiles.password) },
    };
}

function hostLabels(host: FleetHost, more: Readonly<Record<string, string>> = {}): Record<string, string> {
    // `host` last: a user label cannot move a series to another machine.
    return { ...host.labels, ...more, [hostLabelName]: host.name };
}

const target = (host: FleetHost, port: number): string => `${host.address}:${port}`;

/** Jobs for one transport: node-exporter and Redis exporters of the hosts that use it. */
function agentJobs(hosts: readonly FleetHost[], transport: FleetTransport): FleetScrapeConfig[] {
    // `agents: false` hosts run their own exporters on the same ports; they are scraped alike.
    const using = hosts.filter((h) => h.transport === transport);
    if (using.length === 0) return [];
    const node: FleetScrapeConfig = {
        job_name: fleetJobs.node[transport], ...transportFields(transport),
        static_configs: using.map((h) => ({ targets: [target(h, fleetAgentPorts(h).nodeExporter)], labels: hostLabels(h) })),
    };
    const redisTargets = using.flatMap((h) => h.redis.map((r, i) => ({ targets: [target(h, fleetAgentPorts(h).redisExporters[i])], labels: hostLabels(h, { redis: r.name }) })));
    const redis: FleetScrapeConfig[] = redisTargets.length === 0 ? [] : [{ job_name: fleetJobs.redis[transport], ...transportFields(transport), static_configs: redisTargets }];
    return [node, ...redis];
}

/** One job per app job name, a target per host that runs it (the apps' own endpoints: plain HTTP). */
function appJobs(hosts: readonly FleetHost[]): FleetScrapeConfig[] {
    const byJob = new Map<string, { metricsPath: string; configs: StaticConfig[] }>();
    for (const h of hosts) {
        for (const app of h.apps) {
            const entry = byJob.get(app.job) ?? { metricsPath: app.metricsPath, configs: [] };
            entry.configs.push({ targets: [target(h, app.port)], labels: hostLabels(h) });
            byJob.set(app.job, entry);
        }
    }
    return [...byJob].map(([job, e]) => ({ job_name: job, metrics_path: e.metricsPath, static_configs: e.configs }));
}

/**
 * Every fleet scrape job, in a fixed order: private-network agents, TLS agents, then apps. Push
 * hosts are left out: the monitoring host cannot reach them (their agent Prometheus scrapes them,
 * render/agent.ts), so neither their targets nor HostDown are seen here.
 */
export function fleetScrapeConfigs(m: Pick<MonitoringConfig, "hosts">): FleetScrapeConfig[] {
    const pulled = m.hosts.filter((h) => h.push !== true);
    return [...agentJobs(pulled, "private-network"), ...agentJobs(pulled, "tls"), ...appJobs(pulled)];
}

/**
 * Whether the stack scrapes machines besides itself: then HostDown and its inhibition are rendered.
 * Push hosts do not count: the monitoring host never sees their `up`, so their HostDown-style
 * rule (absent_over_time) runs in the store's ruler (README: Growing past one server).
 */
export function fleetWatched(m: Pick<MonitoringConfig, "hosts" | "hetznerDiscovery">): boolean {
    return m.hosts.some((h) => h.push !== true) || m.hetznerDiscovery !== undefined;
}

/** Job names the fleet adds (for TargetDown, which watches every job). */
export function fleetJobNames(m: Pick<MonitoringConfig, "hosts" | "hetznerDiscovery">): string[] {
    return [...fleetScrapeConfigs(m).map((j) => j.job_name), ...(m.hetznerDiscovery === undefined ? [] : [fleetJobs.hetznerNode])];
}

/** The fleet's jobs of what users run (apps, Redis exporters): their alerts page on the fast path, like the monitoring host's. */
export function fleetServiceJobs(m: Pick<MonitoringConfig, "hosts" | "hetznerDiscovery">): string[] {
    return fleetJobNames(m).filter((job) => !fleetNodeJobs.includes(job));
}

/** The fleet's Redis exporter jobs in use. */
export function fleetRedisJobs(m: Pick<MonitoringConfig, "hosts" | "hetznerDiscovery">): string[] {
    const redisJobs: readonly string[] = Object.values(fleetJobs.redis);
    return fleetJobNames(m).filter((job) => redisJobs.includes(job));
}

/** The fleet's app jobs in use (one per app name, a target per host). */
export function fleetAppJobs(m: Pick<MonitoringConfig, "hosts" | "hetznerDiscovery">): string[] {
    const redisJobs = fleetRedisJobs(m);
    return fleetServiceJobs(m).filter((job) => !redisJobs.includes(job));
}

/** Labels of the monitoring host's own node job, so the fleet's per-host rules and panels include it. */
export function ownHostLabels(m: Pick<MonitoringConfig, "hostLabel">): Record<string, string> {
    return { [hostLabelName]: m.hostLabel };
}

/** The HostDown rule's fields (render/rules.ts turns them into an AlertRule). */
export function hostDownAlert(p: PagingSettings): { alert: string; expr: string; for: string; threshold: string; summary: string; description: string } {
    const forDuration = hostDownFor(p);
    // Only the fleet's node jobs: the monitoring host's own node-exporter down is a TargetDown
    // (the host itself is evidently up, it is evaluating this rule). One node target per host, so
    // one alert per host, with the host's labels (role, …) for the notification.
    return {
        alert: hostDownAlertName,
        expr: `${selector("up", re("job", fleetNodeJobs.join("|")))} == 0`,
        for: forDuration,
        threshold: `node-exporter unreachable for ${forDuration}`,
        summary: "Host {{ $labels.host }} is down or unreachable",
        description: `Prometheus cannot reach the node-exporter {{ $labels.instance }} of {{ $labels.host }} for ${forDuration} (up = {{ $value }}): the machine, its network or its agent is down. Its other alerts are held back while this fires.`,
    };
}

/**
 * While a host is down, its other alerts (its targets down, Redis down, stale disk figures) say
 * nothing new: HostDown holds back every other alert with the same `host`. Alerts of the monitoring
 * host itself carry its own `host` (the external label), so they are never held back by a fleet host.
 */
export const hostDownInhibition = {
    source_matchers: [`alertname="${hostDownAlertName}"`],
    target_matchers: [`alertname!="${hostDownAlertName}"`],
    equal: [hostLabelName],
} as const;
