// Outgrowing one machine (issue 15): where Prometheus copies its samples (remote_write), the
// optional long-term store on the monitoring host (VictoriaMetrics single-node), and whether
// Grafana runs on the host or is an external one managed through its API. Types and the facts
// that follow from them alone; config/remoteWrite.ts fills them, render/ and components/ read them.
import type { ServiceSettings } from "./stack";

/** Queue settings of one remote_write target (Prometheus' `queue_config`). */
export interface RemoteWriteQueue {
    /** Samples buffered per shard. */
    readonly capacity: number;
    readonly maxShards: number;
    readonly maxSamplesPerSend: number;
    readonly batchSendDeadline: string;
    readonly minBackoff: string;
    readonly maxBackoff: string;
}

/**
 * Defaults for a small VPS: at most 10 shards (Prometheus' 200 would let a slow store take
 * hundreds of MB), 2000 samples per request (what Grafana Cloud and VictoriaMetrics recommend),
 * and a 10 000-sample buffer per shard, so a store that blinks for a minute is caught up from the
 * WAL without dropping anything. Prometheus 2.42's own defaults differ (2.44 changed them); these
 * are written out so every version sends the same way.
 */
export const remoteWriteQueueDefaults: RemoteWriteQueue = {
    capacity: 10000,
    maxShards: 10,
    maxSamplesPerSend: 2000,
    batchSendDeadline: "5s",
    minBackoff: "30ms",
    maxBackoff: "5s",
};

/** How Prometheus authenticates to the store. Secrets reach it only as files (`*_file`). */
export type RemoteWriteAuth =
    | { readonly kind: "none" }
    | { readonly kind: "basic"; readonly username: string; /** Secret. */ readonly password: string }
    | { readonly kind: "bearer"; /** Secret. */ readonly token: string };

export interface RemoteWriteTarget {
    /** Unique; Prometheus' `name` of the queue (label `remote_name` on its metrics) and the secret files' prefix. */
    readonly name: string;
    /** The store's write endpoint, e.g. https://vm.example.com/api/v1/write. */
    readonly url: string;
    /**
     * The store's Prometheus-compatible query endpoint, for a Grafana datasource (e.g.
     * https://vm.example.com, https://prometheus-prod-01-eu-west-0.grafana.net/api/prom); none without it.
     */
    readonly queryUrl?: string;
    readonly auth: RemoteWriteAuth;
    /** Extra HTTP headers (e.g. X-Scope-OrgID for Mimir); values are secrets, read from files. */
    readonly headers: Readonly<Record<string, string>>;
    readonly queue: RemoteWriteQueue;
    /** RE2 regexes of metric names never sent (anchored, like every Prometheus regex). */
    readonly dropMetrics: readonly string[];
    /** Label names removed from every series before sending. */
    readonly dropLabels: readonly string[];
    /** The embedded store (VictoriaMetrics on the monitoring host), not one the user named. */
    readonly embedded?: boolean;
}

/** VictoriaMetrics single-node on the monitoring host: image, memory limit and its own retention. */
export interface VictoriaMetricsSettings extends ServiceSettings {
    readonly enabled: boolean;
    /** `-retentionPeriod`: a number with h, d, w or y (VictoriaMetrics 1.79 takes no other unit). */
    readonly retention: string;
}

export const victoriaMetricsDefaults = {
    image: "victoriametrics/victoria-metrics:v1.110.0",
    memoryMb: 512,
    retention: "400d",
} as const;

/** VictoriaMetrics' port inside its container (the image's default -httpListenAddr). */
export const victoriaMetricsPort = 8428;

/** Where the embedded store's data volume is mounted (its -storageDataPath). */
export const victoriaMetricsDataPath = "/storage";

/** Scrape job of the embedded store's own /metrics. */
export const victoriaMetricsJob = "victoriametrics";

/** Name of the embedded store's remote_write queue and its Grafana datasource. */
export const embeddedStoreName = "victoriametrics";

/**
 * Grafana on the monitoring host (file-provisioned, reached through the tunnel), or an existing
 * Grafana (Grafana Cloud, a self-hosted one) that the program manages through its HTTP API.
 */
export type GrafanaTarget =
    | { readonly mode: "embedded" }
    | { readonly mode: "external"; readonly url: string; /** Secret: a service-account token (glsa_…). */ readonly token: string };

export type GrafanaMode = GrafanaTarget["mode"];
export const grafanaModes: readonly GrafanaMode[] = ["embedded", "external"];

/** Everything the stack sends or shows beyond the monitoring host: one field of MonitoringConfig. */
export interface RemoteConfig {
    /** The user's remote_write targets (the embedded store's is added by remoteWriteTargets). */
    readonly remoteWrite: readonly RemoteWriteTarget[];
    readonly victoriaMetrics: VictoriaMetricsSettings;
    readonly grafana: GrafanaTarget;
}

/** Files below the prometheus release that hold remote_write secrets (relative to it). */
export function remoteWriteSecretFile(target: string, what: "password" | "token" | `header-${string}`): string {
    return `secrets/remote-write-${target}-${what}`;
}
