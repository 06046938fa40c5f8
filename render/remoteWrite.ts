// remote_write: prometheus.yml's `remote_write` section and its secret files, the Grafana
// datasources of the stores that can be queried, and the agent-mode prometheus.yml of a fleet
// host that pushes. Pure: config in, text out.
//
// Secrets reach Prometheus only as files in its release (`basic_auth.password_file`,
// `authorization.credentials_file`, `http_headers.<name>.files`), mode 0400. Version skew:
// `http_headers` (with `files`) is in the deployed Prometheus 3.x but not in Debian's 2.42, whose
// promtool and rehearsal see the same headers inlined as `headers` (rehearsal/skew.ts
// forDebianPrometheus). Everything else here passes promtool 2.42.
import { containerPaths, containerUids, hostDirs } from "../model/catalog";
import { stackNames } from "../model/names";
import {
    embeddedStoreName, remoteWriteQueueDefaults, remoteWriteSecretFile, victoriaMetricsPort,
    type RemoteWriteTarget,
} from "../model/remoteWrite";
import type { MonitoringConfig } from "../model/stack";
import { secretsDir, type RenderedFile } from "./files";
import { datasourceUids } from "./mixin";

/** The stack's remote_write targets: the embedded store first (when on), then the user's. */
export function remoteWriteTargets(m: MonitoringConfig): RemoteWriteTarget[] {
    const embedded: RemoteWriteTarget[] = m.remote.victoriaMetrics.enabled ? [{
        name: embeddedStoreName,
        // By container name: Prometheus also sits on the apps' networks, where an alias could be an app's.
        url: `http://${stackNames(m.stack).service("victoria-metrics").container}:${victoriaMetricsPort}/api/v1/write`,
        queryUrl: `http://${stackNames(m.stack).service("victoria-metrics").alias}:${victoriaMetricsPort}`,
        auth: { kind: "none" }, headers: {}, queue: remoteWriteQueueDefaults, dropMetrics: [], dropLabels: [], embedded: true,
    }] : [];
    return [...embedded, ...m.remote.remoteWrite];
}

/** A secret file in the prometheus release, and where Prometheus reads it. */
function prometheusSecret(relative: string, content: string): { file: RenderedFile; containerPath: string } {
    return {
        file: { path: `${hostDirs.prometheus}/${relative}`, content, secret: true, owner: containerUids.prometheus },
        containerPath: `${containerPaths.prometheusConfigDir}/${relative}`,
    };
}

/** Header names as file-name parts: lowercase, only letters, digits and -. */
const headerFilePart = (name: string) => name.toLowerCase().replace(/[^a-z0-9-]/g, "-");

export interface RenderedRemoteWrite {
    /** The `remote_write` list of prometheus.yml (empty: no section). */
    readonly config: readonly Record<string, unknown>[];
    /** Secret files in the prometheus release. */
    readonly files: readonly RenderedFile[];
}

/** One target's remote_write entry and the secret files it reads (below the prometheus release). */
export function targetConfig(t: RemoteWriteTarget): { config: Record<string, unknown>; files: RenderedFile[] } {
    const files: RenderedFile[] = [];
    const secret = (what: Parameters<typeof remoteWriteSecretFile>[1], content: string) => {
        const s = prometheusSecret(remoteWriteSecretFile(t.name, what), content);
        files.push(s.file);
        return s.containerPath;
    };
    const auth = t.auth.kind === "basic" ? { basic_auth: { username: t.auth.username, password_file: secret("password", t.auth.password) } }
        : t.auth.kind === "bearer" ? { authorization: { type: "Bearer", credentials_file: secret("token", t.auth.token) } }
        : {};
    const headerNames = Object.keys(t.headers).sort();
    const headers = headerNames.length === 0 ? {} : {
        http_headers: Object.fromEntries(headerNames.map((h) => [h, { files: [secret(`header-${headerFilePart(h)}`, t.headers[h])] }])),
    };
    const relabel = [
        ...(t.dropMetrics.length > 0 ? [{ source_labels: ["__name__"], regex: t.dropMetrics.join("|"), action: "drop" }] : []),
        ...(t.dropLabels.length > 0 ? [{ regex: t.dropLabels.join("|"), action: "labeldrop" }] : []),
    ];
    const q = t.queue;
    return {
        config: {
            name: t.name,
            url: t.url,
            ...auth,
            ...headers,
            ...(relabel.length > 0 ? { write_relabel_configs: relabel } : {}),
            queue_config: {
                capacity: q.capacity, max_shards: q.maxShards, max_samples_per_send: q.maxSamplesPerSend,
                batch_send_deadline: q.batchSendDeadline, min_backoff: q.minBackoff, max_backoff: q.maxBackoff,
            },
        },
        files,
    };
}

/** prometheus.yml's remote_write list and the files it reads. */
export function renderRemoteWrite(m: MonitoringConfig): RenderedRemoteWrite {
    const rendered = remoteWriteTargets(m).map(targetConfig);
    return { config: rendered.map((r) => r.config), files: rendered.flatMap((r) => r.files) };
}

// --- Grafana datasources of the stores -------------------------------------------------------

/** A store Grafana can query: its datasource, independent of how Grafana is provisioned. */
export interface RemoteDatasource {
    readonly name: string;
    readonly uid: string;
    readonly url: string;
    readonly isDefault: boolean;
    readonly basicAuthUser?: string;
    /** Non-secret datasource settings (Grafana's jsonData). */
    readonly jsonData: Readonly<Record<string, string | boolean>>;
    /** Secret settings (Grafana's secureJsonData): plain values here; the caller keeps them secret. */
    readonly secureJsonData: Readonly<Record<string, string>>;
    /** The target it queries. */
    readonly target: RemoteWriteTarget;
}

/** Datasource uid of a store that is not the dashboards' own. */
export const remoteDatasourceUid = (name: string) => (name === embeddedStoreName ? embeddedStoreName : `remote-${name}`);

/**
 * The stores Grafana shows. On the host's Grafana: every target with a query URL, beside the
 * Prometheus datasource. On an external Grafana, which cannot reach the host (only the tunnel
 * can): the external targets only, and the first takes the uid every dashboard queries.
 */
export function remoteDatasources(m: MonitoringConfig): RemoteDatasource[] {
    const external = m.remote.grafana.mode === "external";
    const queried = remoteWriteTargets(m).filter((t) => t.queryUrl !== undefined && !(external && t.embedded === true));
    return queried.map((t, i): RemoteDatasource => {
        const headerNames = Object.keys(t.headers).sort();
        const bearer = t.auth.kind === "bearer" ? [["Authorization", `Bearer ${t.auth.token}`] as const] : [];
        const headers = [...bearer, ...headerNames.map((h) => [h, t.headers[h]] as const)];
        return {
            name: t.embedded ? "VictoriaMetrics (long-term)" : `${t.name} (remote store)`,
            uid: external && i === 0 ? datasourceUids.prometheus : remoteDatasourceUid(t.name),
            url: t.queryUrl ?? "",
            isDefault: external && i === 0,
            ...(t.auth.kind === "basic" ? { basicAuthUser: t.auth.username } : {}),
            jsonData: {
                httpMethod: "POST",
                timeInterval: m.prometheus.scrapeInterval,
                ...Object.fromEntries(headers.map(([h], n) => [`httpHeaderName${n + 1}`, h])),
            },
            secureJsonData: {
                ...(t.auth.kind === "basic" ? { basicAuthPassword: t.auth.password } : {}),
                ...Object.fromEntries(headers.map(([, v], n) => [`httpHeaderValue${n + 1}`, v])),
            },
            target: t,
        };
    });
}

/**
 * The host Grafana's provisioning entries for the stores, and the secret files they read with
 * `$__file{…}` (Grafana expands it in provisioning files), so no credential is in the YAML.
 */
export function provisionedRemoteDatasources(m: MonitoringConfig): { datasources: Record<string, unknown>[]; files: RenderedFile[] } {
    if (m.remote.grafana.mode !== "embedded") return { datasources: [], files: [] };
    const files: RenderedFile[] = [];
    const datasources = remoteDatasources(m).map((d) => {
        const secure = Object.entries(d.secureJsonData).map(([key, value]) => {
            const relative = `${secretsDir}/datasource-${d.target.name}-${key}`;
            files.push({ path: `${hostDirs.grafana}/${relative}`, content: value, secret: true, owner: containerUids.grafana });
            return [key, `$__file{${containerPaths.grafanaSecretsDir}/datasource-${d.target.name}-${key}}`];
        });
        return {
            name: d.name, type: "prometheus", uid: d.uid, access: "proxy", isDefault: false, editable: false, url: d.url,
            ...(d.basicAuthUser !== undefined ? { basicAuth: true, basicAuthUser: d.basicAuthUser } : {}),
            jsonData: d.jsonData,
            ...(secure.length > 0 ? { secureJsonData: Object.fromEntries(secure) } : {}),
        };
    });
    return { datasources, files };
}
