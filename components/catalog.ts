// Facts about the services and the provider that every other module reads from here:
// container ports, users, paths and the Hetzner server types. One source of truth.

/** Ports each service listens on inside its container (fixed by the images). */
export const containerPorts = {
    prometheus: 9090,
    alertmanager: 9093,
    grafana: 3000,
    nodeExporter: 9100,
    redisExporter: 9121,
} as const;

/** Numeric user ids the images run as; secret files are owned by them, mode 0400. */
export const containerUids = {
    prometheus: 65534,
    alertmanager: 65534,
    grafana: 472,
    redisExporter: 59000,
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
} as const;

/** Hostname under which containers reach processes on the Docker host. */
export const dockerHostAlias = "host.docker.internal";

/**
 * Current Hetzner Cloud server types with their memory in MiB (cx22/cpx11 and friends were retired).
 * Used to reject unknown types and to check that the containers' memory limits fit the server.
 */
export const hetznerServerTypes: Readonly<Record<string, number>> = {
    cx23: 4096, cx33: 8192, cx43: 16384, cx53: 32768,
    cpx12: 2048, cpx22: 4096, cpx32: 8192, cpx42: 16384, cpx52: 24576, cpx62: 32768,
    cax11: 4096, cax21: 8192, cax31: 16384, cax41: 32768,
    ccx13: 8192, ccx23: 16384, ccx33: 32768, ccx43: 65536, ccx53: 131072, ccx63: 196608,
};

export const hetznerLocations = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;

/** Memory the host OS and Docker need besides the containers' limits. */
export const hostReservedMemoryMb = 512;
