// Facts about the services and the provider that every other module reads from here:
// container ports, users, paths and the Hetzner server types. One source of truth.

/** Ports each service listens on inside its container (fixed by the images). */
export const containerPorts = {
    prometheus: 9090,
    alertmanager: 9093,
    grafana: 3000,
    nodeExporter: 9100,
    redisExporter: 9121,
    blackboxExporter: 9115,
} as const;

/** Numeric user ids the images run as; secret files are owned by them, mode 0400. */
export const containerUids = {
    prometheus: 65534,
    alertmanager: 65534,
    grafana: 472,
    redisExporter: 59000,
    // Set explicitly, not left to the image: node-exporter shares the host network, where only the
    // metadata block's non-root OUTPUT rule keeps it from 169.254.169.254.
    nodeExporter: 65534,
    // nobody: the image would run as root; ICMP still works, Docker allows unprivileged ping sockets in a container's network namespace.
    blackboxExporter: 65534,
} as const;

/**
 * Where each configured service's host directory is mounted (read-only) inside its container.
 * The directory holds validated releases and a `current` symlink (see render/swap.ts): the service
 * reads everything through `current`, so swapping that link is what changes its configuration.
 */
export const configMounts = {
    prometheus: "/etc/prometheus",
    alertmanager: "/etc/alertmanager",
    grafana: "/etc/grafana-monitoring",
    blackboxExporter: "/etc/blackbox_exporter",
} as const;

/** Host directory of each service below configRoot; mounted read-only into its container. */
export const hostDirs = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    grafana: "grafana",
    redisExporter: "redis-exporter",
    blackboxExporter: "blackbox-exporter",
} as const;

/** The symlink, inside each service directory, that points at the release the service runs. */
export const currentRelease = "current";

/** Paths inside the containers where the host directories are mounted. */
export const containerPaths = {
    prometheusConfigDir: `${configMounts.prometheus}/${currentRelease}`,
    prometheusData: "/prometheus",
    alertmanagerConfigDir: `${configMounts.alertmanager}/${currentRelease}`,
    alertmanagerData: "/alertmanager",
    grafanaProvisioningDir: `${configMounts.grafana}/${currentRelease}/provisioning`,
    grafanaDashboardsDir: `${configMounts.grafana}/${currentRelease}/dashboards`,
    grafanaData: "/var/lib/grafana",
    grafanaSecretsDir: `${configMounts.grafana}/${currentRelease}/secrets`,
    redisExporterSecretsDir: "/run/secrets/redis",
    blackboxExporterConfigDir: `${configMounts.blackboxExporter}/${currentRelease}`,
} as const;

/** Scrape job names of the stack's own services; each `redis` entry adds redisJob(name), each app its `job`. */
export const builtinJobs = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    grafana: "grafana",
    node: "node",
} as const;

const redisJobPrefix = "redis-";

/** The scrape job of one `redis` entry (its series also carry the label `redis=<name>`). */
export function redisJob(name: string): string {
    return `${redisJobPrefix}${name}`;
}

/** An RE2 regex matching every redisJob(name). */
export const redisJobPattern = `${redisJobPrefix}.+`;

/** The blackbox exporter's own scrape job (its /metrics; the probes are scraped by probeJob(kind)). */
export const blackboxJob = "blackbox";

const probeJobPrefix = "probe-";

/** The scrape job of the probes of one kind (`probe-http`, …); each probe's series carry `probe=<name>`. */
export function probeJob(kind: string): string {
    return `${probeJobPrefix}${kind}`;
}

/** An RE2 regex matching every probeJob(kind). */
export const probeJobPattern = `${probeJobPrefix}.+`;

/** Hostname under which containers reach processes on the Docker host. */
export const dockerHostAlias = "host.docker.internal";

/**
 * Current Hetzner Cloud server types (cx22/cpx11 and friends were retired): memory in MiB and local
 * disk in GB. Used to reject unknown types, and to check that the containers' memory limits and
 * Prometheus' retentionSize fit. The disk figures are Hetzner's price list as public listings quoted
 * it in 2026, not read from the API here; `hcloud server-type describe <type>` (the API's `disk`)
 * is the authority if Hetzner changes a type.
 */
const hetznerServerSizes: Readonly<Record<string, { readonly memoryMb: number; readonly diskGb: number }>> = {
    cx23: { memoryMb: 4096, diskGb: 40 }, cx33: { memoryMb: 8192, diskGb: 80 },
    cx43: { memoryMb: 16384, diskGb: 160 }, cx53: { memoryMb: 32768, diskGb: 320 },
    cpx12: { memoryMb: 2048, diskGb: 40 }, cpx22: { memoryMb: 4096, diskGb: 80 }, cpx32: { memoryMb: 8192, diskGb: 160 },
    cpx42: { memoryMb: 16384, diskGb: 320 }, cpx52: { memoryMb: 24576, diskGb: 480 }, cpx62: { memoryMb: 32768, diskGb: 640 },
    cax11: { memoryMb: 4096, diskGb: 40 }, cax21: { memoryMb: 8192, diskGb: 80 },
    cax31: { memoryMb: 16384, diskGb: 160 }, cax41: { memoryMb: 32768, diskGb: 320 },
    ccx13: { memoryMb: 8192, diskGb: 80 }, ccx23: { memoryMb: 16384, diskGb: 160 }, ccx33: { memoryMb: 32768, diskGb: 240 },
    ccx43: { memoryMb: 65536, diskGb: 360 }, ccx53: { memoryMb: 131072, diskGb: 600 }, ccx63: { memoryMb: 196608, diskGb: 960 },
};

/** Memory in MiB by server type. */
export const hetznerServerTypes: Readonly<Record<string, number>> =
    Object.fromEntries(Object.entries(hetznerServerSizes).map(([type, size]) => [type, size.memoryMb]));

/** Local disk in GB (10^9 bytes) by server type. */
export const hetznerServerDiskGb: Readonly<Record<string, number>> =
    Object.fromEntries(Object.entries(hetznerServerSizes).map(([type, size]) => [type, size.diskGb]));

export const hetznerLocations = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;

/** Memory the host OS and Docker need besides the containers' limits. */
export const hostReservedMemoryMb = 512;

/**
 * Disk (GB) that Prometheus' retentionSize must leave to everything else on the server: the OS
 * with its package cache, journal and a spare kernel (about 5 GB on Ubuntu 24.04), the pinned
 * images twice over while an upgrade pulls the new ones (about 3 GB), container logs (logMaxSize ×
 * logMaxFiles per container), the Grafana and Alertmanager volumes, and room for Prometheus to
 * write a compacted block and its WAL before it deletes old blocks (it overshoots retentionSize by
 * up to a block). On a 40 GB server a full retention then still leaves about 7 GB (17%) free,
 * above HostDiskAlmostFull's 10%, for the user's own apps and their images.
 */
export const hostReservedDiskGb = 15;
