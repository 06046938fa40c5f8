// One record per service the stack runs: the facts every layer reads about it. The renderers turn
// a spec into the container's command line, files and scrape jobs (render/services.ts); the
// components place what they render (components/); the rehearsal runs the same command line with
// Debian's binary (rehearsal/harness.ts); the docs and the metric-name checks read it too.
// Adding an exporter is one entry here and one in render/services.ts (see blackboxExporter).
import type { MonitoringConfig, ServiceSettings } from "./stack";
import { blackboxJob, builtinJobs, configMounts, containerPaths, containerPorts, containerUids, hostDirs, redisJob } from "./catalog";
import { type ServiceNames, type StackNames, stackNames } from "./names";
import { victoriaMetricsDataPath, victoriaMetricsJob, victoriaMetricsPort } from "./remoteWrite";

/** The services, in the order their scrape jobs and files are rendered. */
export const serviceKeys = ["prometheus", "alertmanager", "grafana", "nodeExporter", "redisExporter", "blackboxExporter", "victoriaMetrics"] as const;
export type SpecKey = typeof serviceKeys[number];

/** One container of a service: most run one, a per-target service one per target (`redis` entry). */
export interface ServiceInstance {
    /** The target this container serves (`redis[].name`); undefined for a one-off service. */
    readonly target?: string;
    /** Its scrape job. */
    readonly job: string;
    readonly names: ServiceNames;
    /** Labels on its scrape target. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** Which networks the container joins. */
export type ServiceNetworks =
    /** The stack's own network only. */
    | "stack"
    /** The stack's network and the apps' (it scrapes or reads the apps), and host.docker.internal. */
    | "stackAndApps"
    /** The host's network and PID namespaces (node-exporter: real interface metrics). */
    | "host";

/** How Prometheus reaches a service's /metrics. */
export type ScrapeAddress =
    /** Prometheus itself. */
    | "localhost"
    /** By container name on the stack's network. */
    | "container"
    /** On the stack network's gateway (a service on the host network, listening there only). */
    | "gateway";

export interface ServiceSpec {
    readonly key: SpecKey;
    /** Pulumi component type `vps-monitoring:stack:<component>`. */
    readonly component: string;
    /** Suffix of the component's resource name: `<stack component>-<resourceName>`. */
    readonly resourceName: string;
    /** Image and memory limit (config keys `<key>Image`, `<key>MemoryMb`); undefined when the service is off. */
    settings(m: MonitoringConfig): ServiceSettings | undefined;
    /** One container per target (always gets its component, even with no target) rather than one container. */
    readonly perTarget: boolean;
    /** Its containers' names (`target` for a per-target service). */
    names(stack: StackNames, target: string): ServiceNames;
    instances(m: MonitoringConfig): readonly ServiceInstance[];
    /** Port it listens on inside its container (fixed by the image). */
    readonly containerPort: number;
    /** Host port it is published on (loopback only), for the services a user opens through the tunnel. */
    hostPort?(m: MonitoringConfig): number;
    /** Numeric uid the image runs as; its secret files are owned by it. */
    readonly uid: number;
    /** Set the uid explicitly rather than leave it to the image. */
    readonly setUser?: boolean;
    /** Its directory below configRoot, swapped in as releases and mounted read-only at `mount`. */
    readonly configDir?: { readonly hostDir: string; readonly mount: string };
    /** Where its data volume is mounted, for services that keep data. */
    readonly dataPath?: string;
    readonly networks: ServiceNetworks;
    /** Path its healthcheck GETs on its own port. */
    readonly healthPath: string;
    readonly scrapeAddress: ScrapeAddress;
    /** Metric names it exports that dashboards and rules may use (for the versions the stack pins). */
    readonly exportedMetrics: readonly string[];
    /**
     * Its dashboards (`<Folder>/<name>.json` below dashboards/): provisioned while the stack runs the
     * service, left out while it does not (no Redis dashboard of empty panels without a `redis` entry).
     */
    readonly dashboards: readonly string[];
    /** How the rehearsal runs it: Debian's binary (and package), or a stub that only answers scrapes. */
    readonly rehearsal: { readonly binary: string; readonly debianPackage: string } | "stub";
}

/** The blackbox exporter's own job (the probes' jobs are probeJob(kind)). */
export { blackboxJob } from "./catalog";

/** The one container of a one-off service, when it is on. */
function single(m: MonitoringConfig, spec: Pick<ServiceSpec, "settings" | "names">, job: string): ServiceInstance[] {
    return spec.settings(m) === undefined ? [] : [{ job, names: spec.names(stackNames(m.stack), "") }];
}

/** Prometheus' per-queue remote_write metrics: exported only while a remote_write queue exists. */
export const prometheusRemoteQueueMetrics = [
    "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
    "prometheus_remote_storage_samples_failed_total",
    "prometheus_remote_storage_samples_total",
] as const;

/** Prometheus 3.5 (its own /metrics, job "prometheus"). */
const prometheusMetrics = [
    "prometheus_config_last_reload_successful",
    "prometheus_notifications_dropped_total",
    "prometheus_notifications_errors_total",
    "prometheus_notifications_queue_capacity",
    "prometheus_notifications_queue_length",
    "prometheus_notifications_sent_total",
    "prometheus_remote_storage_highest_timestamp_in_seconds",
    ...prometheusRemoteQueueMetrics,
    "prometheus_rule_evaluation_failures_total",
    "prometheus_rule_group_last_duration_seconds",
    "prometheus_tsdb_compactions_failed_total",
    "prometheus_tsdb_head_samples_appended_total",
    "prometheus_tsdb_head_series",
    "prometheus_tsdb_storage_blocks_bytes",
    "prometheus_tsdb_wal_corruptions_total",
    "prometheus_tsdb_wal_storage_size_bytes",
] as const;

/** Alertmanager 0.28. */
const alertmanagerMetrics = [
    "alertmanager_alerts",
    "alertmanager_config_last_reload_successful",
    "alertmanager_notification_requests_failed_total",
    "alertmanager_notification_requests_total",
    "alertmanager_notifications_failed_total",
    "alertmanager_notifications_total",
] as const;

/** node-exporter 1.9. */
const nodeExporterMetrics = [
    "node_boot_time_seconds",
    "node_cpu_seconds_total",
    "node_disk_io_time_seconds_total",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_filesystem_avail_bytes",
    "node_filesystem_files",
    "node_filesystem_files_free",
    "node_filesystem_readonly",
    "node_filesystem_size_bytes",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_memory_Buffers_bytes",
    "node_memory_Cached_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_memory_SwapFree_bytes",
    "node_memory_SwapTotal_bytes",
    "node_network_receive_bytes_total",
    "node_network_receive_drop_total",
    "node_network_receive_errs_total",
    "node_network_receive_packets_total",
    "node_network_transmit_bytes_total",
    "node_network_transmit_drop_total",
    "node_network_transmit_errs_total",
    "node_network_transmit_packets_total",
    "node_timex_maxerror_seconds",
    "node_timex_offset_seconds",
    "node_timex_sync_status",
    "node_uname_info",
    "node_vmstat_oom_kill",
] as const;

/** oliver006/redis_exporter 1.74. */
const redisExporterMetrics = [
    "redis_aof_last_bgrewrite_status",
    "redis_aof_last_write_status",
    "redis_blocked_clients",
    "redis_commands_processed_total",
    "redis_config_maxclients",
    "redis_connected_clients",
    "redis_connected_slave_lag_seconds",
    "redis_connected_slaves",
    "redis_db_keys",
    "redis_db_keys_expiring",
    "redis_evicted_keys_total",
    "redis_expired_keys_total",
    "redis_instance_info",
    "redis_keyspace_hits_total",
    "redis_keyspace_misses_total",
    "redis_master_link_up",
    "redis_memory_max_bytes",
    "redis_memory_used_bytes",
    "redis_rdb_last_bgsave_status",
    "redis_rdb_last_save_timestamp_seconds",
    "redis_rejected_connections_total",
    "redis_up",
    "redis_uptime_in_seconds",
] as const;

/** blackbox_exporter 0.27 (0.23 in the rehearsal): the series of a /probe scrape and of its own /metrics. */
const blackboxExporterMetrics = [
    "probe_success",
    "probe_duration_seconds",
    "probe_http_status_code",
    "probe_http_duration_seconds",
    "probe_ssl_earliest_cert_expiry",
    "probe_dns_lookup_time_seconds",
    "blackbox_exporter_config_last_reload_successful",
    "blackbox_exporter_config_last_reload_success_timestamp_seconds",
] as const;

/** VictoriaMetrics single-node (its own /metrics, job victoriametrics). */
const victoriaMetricsMetrics = [
    "vm_data_size_bytes",
    "vm_free_disk_space_bytes",
    "vm_rows",
    "vm_rows_inserted_total",
] as const;

export const serviceSpecs: { readonly [K in SpecKey]: ServiceSpec & { readonly key: K } } = {
    prometheus: {
        key: "prometheus", component: "Prometheus", resourceName: "prometheus",
        settings: (m) => m.prometheus, perTarget: false,
        names: (n) => n.prometheus,
        instances: (m) => single(m, serviceSpecs.prometheus, builtinJobs.prometheus),
        containerPort: containerPorts.prometheus, hostPort: (m) => m.prometheus.port, uid: containerUids.prometheus,
        configDir: { hostDir: hostDirs.prometheus, mount: configMounts.prometheus }, dataPath: containerPaths.prometheusData,
        // The apps' networks and host.docker.internal: it scrapes the apps.
        networks: "stackAndApps", healthPath: "/-/healthy", scrapeAddress: "localhost",
        exportedMetrics: prometheusMetrics,
        dashboards: ["Monitoring/overview.json", "Monitoring/monitoring-self.json"],
        rehearsal: { binary: "prometheus", debianPackage: "prometheus" },
    },
    alertmanager: {
        key: "alertmanager", component: "Alertmanager", resourceName: "alertmanager",
        settings: (m) => m.alertmanager, perTarget: false,
        names: (n) => n.alertmanager,
        instances: (m) => single(m, serviceSpecs.alertmanager, builtinJobs.alertmanager),
        containerPort: containerPorts.alertmanager, hostPort: (m) => m.alertmanager.port, uid: containerUids.alertmanager,
        configDir: { hostDir: hostDirs.alertmanager, mount: configMounts.alertmanager }, dataPath: containerPaths.alertmanagerData,
        networks: "stack", healthPath: "/-/healthy", scrapeAddress: "container",
        exportedMetrics: alertmanagerMetrics,
        dashboards: [],
        rehearsal: { binary: "prometheus-alertmanager", debianPackage: "prometheus-alertmanager" },
    },
    grafana: {
        key: "grafana", component: "Grafana", resourceName: "grafana",
        // An external Grafana (grafanaMode external) is managed through its API: no container here.
        settings: (m) => m.remote.grafana.mode === "embedded" ? m.grafana : undefined, perTarget: false,
        names: (n) => n.grafana,
        instances: (m) => single(m, serviceSpecs.grafana, builtinJobs.grafana),
        containerPort: containerPorts.grafana, hostPort: (m) => m.grafana.port, uid: containerUids.grafana,
        configDir: { hostDir: hostDirs.grafana, mount: configMounts.grafana }, dataPath: containerPaths.grafanaData,
        networks: "stack", healthPath: "/api/health", scrapeAddress: "container",
        exportedMetrics: [],
        dashboards: [],
        rehearsal: "stub",
    },
    nodeExporter: {
        key: "nodeExporter", component: "NodeExporter", resourceName: "node-exporter",
        settings: (m) => m.nodeExporter.enabled ? m.nodeExporter : undefined, perTarget: false,
        names: (n) => n.nodeExporter,
        instances: (m) => single(m, serviceSpecs.nodeExporter, builtinJobs.node),
        containerPort: containerPorts.nodeExporter, uid: containerUids.nodeExporter,
        // On the host network only the metadata block's non-root OUTPUT rule keeps it from 169.254.169.254.
        setUser: true,
        networks: "host", healthPath: "/metrics", scrapeAddress: "gateway",
        exportedMetrics: nodeExporterMetrics,
        dashboards: ["Hosts/host.json"],
        rehearsal: { binary: "prometheus-node-exporter", debianPackage: "prometheus-node-exporter" },
    },
    redisExporter: {
        key: "redisExporter", component: "RedisExporters", resourceName: "redis",
        settings: (m) => m.redisExporter, perTarget: true,
        names: (n, target) => n.redisExporter(target),
        instances: (m) => m.redis.map((r) => ({
            target: r.name, job: redisJob(r.name), names: serviceSpecs.redisExporter.names(stackNames(m.stack), r.name), labels: { redis: r.name },
        })),
        containerPort: containerPorts.redisExporter, uid: containerUids.redisExporter,
        // The apps' networks and host.docker.internal: the Redis servers are the apps'.
        networks: "stackAndApps", healthPath: "/health", scrapeAddress: "container",
        exportedMetrics: redisExporterMetrics,
        dashboards: ["Redis/redis.json"],
        rehearsal: { binary: "prometheus-redis-exporter", debianPackage: "prometheus-redis-exporter" },
    },
    // Runs while the stack has probes (config/probes.ts); its modules file is a swapped release like Prometheus' rules.
    blackboxExporter: {
        key: "blackboxExporter", component: "BlackboxExporter", resourceName: "blackbox-exporter",
        settings: (m) => m.blackboxExporter?.enabled === true ? m.blackboxExporter : undefined, perTarget: false,
        names: (n) => n.service("blackbox-exporter"),
        instances: (m) => single(m, serviceSpecs.blackboxExporter, blackboxJob),
        containerPort: containerPorts.blackboxExporter, uid: containerUids.blackboxExporter,
        // As nobody rather than the image's root: it fetches URLs from the internet.
        setUser: true,
        configDir: { hostDir: hostDirs.blackboxExporter, mount: configMounts.blackboxExporter },
        // It probes the apps where they run.
        networks: "stackAndApps", healthPath: "/-/healthy", scrapeAddress: "container",
        exportedMetrics: blackboxExporterMetrics,
        dashboards: ["Probes/probes.json"],
        rehearsal: { binary: "prometheus-blackbox-exporter", debianPackage: "prometheus-blackbox-exporter" },
    },
    // The embedded long-term store (issue 15): a remote_write target and Grafana's second datasource, on the stack's network only.
    victoriaMetrics: {
        key: "victoriaMetrics", component: "VictoriaMetrics", resourceName: "victoria-metrics",
        settings: (m) => m.remote.victoriaMetrics.enabled ? m.remote.victoriaMetrics : undefined, perTarget: false,
        names: (n) => n.service("victoria-metrics"),
        instances: (m) => single(m, serviceSpecs.victoriaMetrics, victoriaMetricsJob),
        // The image runs as root and owns its fresh volume; it reads no secret file.
        containerPort: victoriaMetricsPort, uid: 0,
        dataPath: victoriaMetricsDataPath,
        networks: "stack", healthPath: "/health", scrapeAddress: "container",
        exportedMetrics: victoriaMetricsMetrics,
        dashboards: [],
        rehearsal: { binary: "victoria-metrics", debianPackage: "victoria-metrics" },
    },
};

/** Every spec, in rendering order. */
export const allServiceSpecs: readonly ServiceSpec[] = serviceKeys.map((k) => serviceSpecs[k]);

/**
 * Whether a dashboard (`<Folder>/<name>.json`) belongs on this stack's Grafana: a service's
 * dashboard while the stack runs that service; a dashboard no service owns (the apps') always.
 */
export function dashboardProvisioned(m: MonitoringConfig, relativePath: string): boolean {
    const owners = allServiceSpecs.filter((spec) => spec.dashboards.includes(relativePath));
    return owners.length === 0 || owners.some((spec) => spec.instances(m).length > 0);
}

/** The blackbox exporter's pinned image and memory limit: the defaults of blackboxExporterImage and blackboxExporterMemoryMb. */
export const blackboxExporterDefaults: ServiceSettings = { image: "prom/blackbox-exporter:v0.27.0", memoryMb: 64 };
