// The validated, typed description of one stack: what config/ produces and render/ and
// components/ consume. Types only (and what follows from them alone); no parsing here.
import type { AlertThresholds } from "./alerts";
import type { HetznerDiscovery } from "./discovery";
import type { FleetHost, PrivateNetworkConfig } from "./fleet";
import type { PagingSettings } from "./paging";
import type { Probe } from "./probes";
import type { Receiver } from "./receivers";
import type { RemoteConfig } from "./remoteWrite";
import type { BackupConfig, DataVolumeConfig } from "./dataSafety";

export type Severity = "critical" | "warning" | "info";
export const severities: readonly Severity[] = ["critical", "warning", "info"];

export type HostMode = "hetzner" | "hetzner-existing" | "ssh" | "local";

export interface HostConfig {
    readonly mode: HostMode;
    readonly serverName: string;
    readonly serverType: string;
    readonly location: string;
    readonly image: string;
    readonly ipv4: boolean;
    readonly ipv6: boolean;
    /** Hetzner server id to adopt (mode hetzner-existing). */
    readonly hetznerServerId?: number;
    /** Address of an existing host (mode ssh). */
    readonly sshHost?: string;
    readonly sshUser: string;
    readonly sshPort: number;
    readonly sshPublicKey?: string;
    readonly hetznerSshKeyName?: string;
    /** Public host key of an existing host (ssh-keyscan); new servers get a generated one. */
    readonly sshHostKey?: string;
    /** Private key for the deploy connection; undefined means the SSH agent. Secret. */
    readonly sshPrivateKey?: string;
    readonly sshAllowedCidrs: readonly string[];
    readonly protect: boolean;
    /** The Hetzner data volume of a new server (model/dataSafety.ts); undefined: data stays on the server's disk. */
    readonly dataVolume?: DataVolumeConfig;
    /** Hetzner's daily server backups (the server's disk only, never volumes). */
    readonly hetznerBackups?: boolean;
}

/** How an app names its HTTP metrics, for the error-rate and latency rules. */
export interface AppMetrics {
    /** Counter of requests. */
    readonly requests: string;
    /** Separate counter of failed requests; when unset, `requests` filtered by `statusLabel`. */
    readonly errors?: string;
    readonly statusLabel: string;
    /** Regex of the status values that count as errors. */
    readonly errorStatus: string;
    /** Histogram base name of request durations. */
    readonly duration: string;
    readonly durationUnit: "seconds" | "milliseconds";
}

export interface AppTarget {
    readonly job: string;
    readonly targets: readonly string[];
    readonly metricsPath: string;
    readonly scheme: "http" | "https";
    readonly labels: Readonly<Record<string, string>>;
    readonly metrics: AppMetrics;
}

export interface RedisTarget {
    readonly name: string;
    /** host:port of the Redis server as Prometheus' network sees it. */
    readonly address: string;
    /** Secret. */
    readonly password?: string;
}

export interface ServiceSettings {
    readonly image: string;
    readonly memoryMb: number;
}

export interface MonitoringConfig {
    /** Pulumi stack name: every Docker name on the host derives from it (render/names.ts). */
    readonly stack: string;
    /** Value of the `environment` external label. */
    readonly environment: string;
    /** Value of the `host` external label: which machine the samples come from (remote_write later). */
    readonly hostLabel: string;
    readonly configRoot: string;
    readonly dockerSubnet: string;
    readonly appNetworks: readonly string[];
    readonly prometheus: ServiceSettings & {
        readonly port: number;
        readonly scrapeInterval: string;
        readonly scrapeTimeout: string;
        readonly evaluationInterval: string;
        readonly retentionTime: string;
        readonly retentionSize: string;
    };
    readonly alertmanager: ServiceSettings & {
        readonly port: number;
        readonly groupWait: string;
        readonly groupInterval: string;
        readonly repeatInterval: string;
    };
    readonly grafana: ServiceSettings & {
        readonly port: number;
        readonly adminUser: string;
        /** Secret; undefined means generate one. */
        readonly adminPassword?: string;
    };
    readonly nodeExporter: ServiceSettings & { readonly enabled: boolean };
    readonly redisExporter: ServiceSettings;
    /** Runs when `probes` is not empty (model/services.ts blackboxExporterDefaults). */
    readonly blackboxExporter?: ServiceSettings & { readonly enabled: boolean };
    /** Outside-in probes (model/probes.ts). */
    readonly probes: readonly Probe[];
    /** Machines watched besides the monitoring host (model/fleet.ts). */
    readonly hosts: readonly FleetHost[];
    /** Hetzner servers that join the fleet by label (model/discovery.ts). */
    readonly hetznerDiscovery?: HetznerDiscovery;
    readonly logMaxSize: string;
    readonly logMaxFiles: number;
    readonly apps: readonly AppTarget[];
    readonly redis: readonly RedisTarget[];
    readonly receivers: readonly Receiver[];
    /** Secret ping URL of a dead man's switch service that the Watchdog alert keeps calling. */
    readonly deadMansSwitchUrl?: string;
    /** The fast path of the alerts that page within a minute (model/paging.ts). */
    readonly paging: PagingSettings;
    /** Alert thresholds: the defaults of model/alerts.ts with the stack's `alertThresholds` over them. */
    readonly alertThresholds: AlertThresholds;
    /**
     * Web address of docs/runbooks.md (runbookBaseUrl, else derived from the git remote); each
     * alert links to its section. Undefined: alerts carry their runbook's first step instead.
     */
    readonly runbookBaseUrl?: string;
    /** remote_write targets, the embedded long-term store and where Grafana runs (model/remoteWrite.ts). */
    readonly remote: RemoteConfig;
    /** Host directory holding each service's data directory (the data volume's mount); undefined: Docker volumes. */
    readonly dataDir?: string;
    /** The scheduled restic backup (render/backup.ts); undefined: none. */
    readonly backup?: BackupConfig;
}

export interface StackConfig {
    readonly stack: string;
    readonly host: HostConfig;
    /** The stack's Hetzner private network; undefined when the monitoring host is not on Hetzner or no fleet host needs it. */
    readonly privateNetwork?: PrivateNetworkConfig;
    readonly monitoring: MonitoringConfig;
}

/** Sum of the memory limits of every container the stack runs. */
export function containerMemoryMb(m: MonitoringConfig): number {
    return m.prometheus.memoryMb + m.alertmanager.memoryMb + (m.remote.grafana.mode === "embedded" ? m.grafana.memoryMb : 0) +
        (m.nodeExporter.enabled ? m.nodeExporter.memoryMb : 0) + m.redis.length * m.redisExporter.memoryMb +
        (m.remote.victoriaMetrics.enabled ? m.remote.victoriaMetrics.memoryMb : 0) +
        (m.blackboxExporter?.enabled === true ? m.blackboxExporter.memoryMb : 0);
}
