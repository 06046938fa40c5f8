// Stack configuration: parsed and validated once, at the edge, before any resource exists.
// Input is a flat map of key → value (strings from `pulumi config`, or typed values read from
// Pulumi.yaml defaults and Pulumi.<stack>.yaml). Every problem is collected and reported together,
// each naming the key and the fix.
import { AlertThresholds, appMetricDefaults, parseAlertThresholds } from "./alerts";
import { hetznerLocations, hetznerServerTypes, hostReservedMemoryMb } from "./catalog";
import { defaultConfigRoot } from "./render/names";
import { isRecord } from "./typeGuards";

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

interface ReceiverBase {
    readonly name: string;
    readonly severities: readonly Severity[];
}
export type Receiver = ReceiverBase & (
    | { readonly type: "telegram"; readonly chatId: number; readonly botToken: string; readonly apiUrl?: string }
    | { readonly type: "discord"; readonly webhookUrl: string }
    | { readonly type: "slack"; readonly webhookUrl: string; readonly channel?: string }
    | { readonly type: "pagerduty"; readonly routingKey: string; readonly url?: string }
    | { readonly type: "email"; readonly to: string; readonly from: string; readonly smarthost: string;
        readonly authUsername?: string; readonly authPassword?: string; readonly requireTls: boolean }
    | { readonly type: "webhook"; readonly url: string }
);
export type ReceiverType = Receiver["type"];
export const receiverTypes: readonly ReceiverType[] = ["telegram", "discord", "slack", "pagerduty", "email", "webhook"];

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
    readonly logMaxSize: string;
    readonly logMaxFiles: number;
    readonly apps: readonly AppTarget[];
    readonly redis: readonly RedisTarget[];
    readonly receivers: readonly Receiver[];
    /** Secret ping URL of a dead man's switch service that the Watchdog alert keeps calling. */
    readonly deadMansSwitchUrl?: string;
    /** Alert thresholds: the defaults of components/alerts.ts with the stack's `alertThresholds` over them. */
    readonly alertThresholds: AlertThresholds;
}

export interface StackConfig {
    readonly stack: string;
    readonly host: HostConfig;
    readonly monitoring: MonitoringConfig;
}

/** Keys whose values are credentials: always handled as Pulumi secrets. */
export const secretKeys = ["sshPrivateKey", "grafanaAdminPassword", "deadMansSwitchUrl"] as const;

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

const durationPattern = /^(\d+(y|w|d|h|m|s|ms))+$/;
const sizePattern = /^\d+(\.\d+)?(B|KB|MB|GB|TB|PB|EB)$/;
const hostPortPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const jobNamePattern = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const builtinJobs = ["prometheus", "alertmanager", "grafana", "node"];

/** Milliseconds in a Prometheus duration such as "1h30m". */
export function durationMs(text: string): number {
    const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3 };
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

export function isIpv4Cidr(text: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

export function isIpv6Cidr(text: string): boolean {
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
    if (!m || Number(m[2]) > 128) return false;
    const halves = m[1].split("::");
    if (halves.length > 2) return false;
    const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
    return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

export interface ParseOptions {
    /**
     * For `npm run render`, which has no Pulumi to decrypt or prompt for secrets: a missing
     * secret becomes a placeholder instead of an error. Never set when deploying.
     */
    readonly withoutSecrets?: boolean;
}

/** A secure value from a stack file that could not be decrypted here (render without Pulumi). */
export const undecryptedSecret = "<secret: set with pulumi config set --secret>";

/** Reads raw config values with type coercion, recording problems instead of throwing. */
class Reader {
    readonly problems: string[] = [];
    constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

    private value(key: string): unknown {
        const v = this.raw[key];
        if (v && typeof v === "object" && "secure" in (v as object)) return undecryptedSecret;
        return v;
    }

    has(key: string): boolean {
        const v = this.value(key);
        return v !== undefined && v !== null && v !== "";
    }

    string(key: string, fallback?: string): string {
        const v = this.value(key);
        if (v === undefined || v === null) {
            if (fallback !== undefined) return fallback;
            this.problems.push(`${key}: required; set it with \`pulumi config set ${key} <value>\``);
            return "";
        }
        if (typeof v !== "string" && typeof v !== "number") {
            this.problems.push(`${key}: expected a string, got ${JSON.stringify(v)}`);
            return "";
        }
        return String(v);
    }

    optionalString(key: string): string | undefined {
        return this.has(key) ? this.string(key) : undefined;
    }

    integer(key: string, fallback: number, min: number, max: number): number {
        const v = this.value(key);
        if (v === undefined || v === null || v === "") return fallback;
        const n = typeof v === "number" ? v : Number(v);
        if (!Number.isInteger(n) || n < min || n > max) {
            this.problems.push(`${key}: ${JSON.stringify(v)} is not a whole number from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    boolean(key: string, fallback: boolean): boolean {
        const v = this.value(key);
        if (v === undefined || v === null || v === "") return fallback;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problems.push(`${key}: ${JSON.stringify(v)} is not true or false`);
        return fallback;
    }

    /** Structured values arrive as JSON strings from `pulumi config`, as YAML values from files. */
    structured(key: string, fallback: unknown): unknown {
        const v = this.raw[key];
        if (v === undefined || v === null || v === "") return fallback;
        if (typeof v !== "string") return v;
        try {
            return JSON.parse(v);
        } catch {
            this.problems.push(`${key}: not valid JSON/YAML structured config; set it with \`pulumi config set --path\``);
            return fallback;
        }
    }

    list(key: string, fallback: readonly unknown[]): unknown[] {
        const v = this.structured(key, fallback);
        if (!Array.isArray(v)) {
            this.problems.push(`${key}: expected a list`);
            return [...fallback];
        }
        return v;
    }

    stringList(key: string, fallback: readonly string[]): string[] {
        const items = this.list(key, fallback);
        return items.map((item, i) => {
            if (typeof item !== "string") this.problems.push(`${key}[${i}]: expected a string`);
            return String(item);
        });
    }

    check(ok: boolean, problem: string): void {
        if (!ok) this.problems.push(problem);
    }

    duration(key: string, fallback: string): string {
        const v = this.string(key, fallback);
        this.check(durationPattern.test(v), `${key}: "${v}" is not a Prometheus duration; write it like 15s, 5m, 7d or 1h30m`);
        return v;
    }

    image(key: string, fallback: string): string {
        const v = this.string(key, fallback);
        const pinned = /^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$/.test(v) && /[:@]/.test(v.split("/").pop() ?? "");
        this.check(pinned && !/:latest$/.test(v),
            `${key}: "${v}" is not pinned; name an exact version such as prom/prometheus:v3.5.0 (never latest)`);
        return v;
    }
}

/** Reads a field of a structured list item, with the same coercions as top-level keys. */
function itemReader(item: Record<string, unknown>, path: string, problems: string[]): Reader {
    const r = new Reader(Object.fromEntries(Object.entries(item).map(([k, v]) => [`${path}.${k}`, v])));
    // Share one problem list so the caller sees everything.
    (r as { problems: string[] }).problems = problems;
    return r;
}

function parseApps(r: Reader): AppTarget[] {
    return r.list("apps", []).map((item, i) => {
        const path = `apps[${i}]`;
        if (!isRecord(item)) {
            r.check(false, `${path}: expected an object with job and targets`);
            return { job: "", targets: [], metricsPath: "/metrics", scheme: "http", labels: {}, metrics: parseAppMetrics(new Reader({}), path) };
        }
        const ir = itemReader(item, path, r.problems);
        const job = ir.string(`${path}.job`);
        r.check(job === "" || jobNamePattern.test(job), `${path}.job: "${job}" must start with a letter and use letters, digits, _ or -`);
        const targets = ir.stringList(`${path}.targets`, []);
        r.check(targets.length > 0, `${path}.targets: list at least one host:port`);
        for (const [t, target] of targets.entries()) {
            const m = hostPortPattern.exec(target);
            r.check(!!m && Number(m[3]) >= 1 && Number(m[3]) <= 65535,
                `${path}.targets[${t}]: "${target}" is not host:port; write it like api:8000, ${"host.docker.internal"}:8000 or 10.0.0.5:9200 (no scheme, no path)`);
        }
        const metricsPath = ir.string(`${path}.metricsPath`, "/metrics");
        r.check(metricsPath.startsWith("/"), `${path}.metricsPath: "${metricsPath}" must start with /`);
        const scheme = ir.string(`${path}.scheme`, "http");
        r.check(scheme === "http" || scheme === "https", `${path}.scheme: "${scheme}" must be http or https`);
        const rawLabels = ir.structured(`${path}.labels`, {});
        const labels: Record<string, string> = {};
        if (isRecord(rawLabels)) {
            for (const [name, value] of Object.entries(rawLabels)) {
                r.check(labelNamePattern.test(name) && !name.startsWith("__"), `${path}.labels.${name}: not a valid Prometheus label name`);
                labels[name] = String(value);
            }
        } else r.check(false, `${path}.labels: expected a map of label name to value`);
        return { job, targets, metricsPath, scheme: scheme === "https" ? "https" : "http", labels, metrics: parseAppMetrics(ir, path) };
    });
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function parseAppMetrics(ir: Reader, path: string): AppMetrics {
    const name = (field: string, fallback: string) => {
        const value = ir.string(`${path}.${field}`, fallback);
        ir.check(metricNamePattern.test(value), `${path}.${field}: "${value}" is not a Prometheus metric name`);
        return value;
    };
    const errors = ir.optionalString(`${path}.errorsMetric`);
    ir.check(!errors || metricNamePattern.test(errors), `${path}.errorsMetric: "${errors}" is not a Prometheus metric name`);
    const unit = ir.string(`${path}.durationUnit`, "seconds");
    ir.check(unit === "seconds" || unit === "milliseconds", `${path}.durationUnit: "${unit}" must be seconds or milliseconds`);
    const errorStatus = ir.string(`${path}.errorStatus`, appMetricDefaults.errorStatusRegex);
    try {
        new RegExp(errorStatus);
    } catch {
        ir.check(false, `${path}.errorStatus: "${errorStatus}" is not a regular expression; write it like 5.. or 5..|429`);
    }
    return {
        requests: name("requestsMetric", appMetricDefaults.requests),
        errors,
        statusLabel: name("statusLabel", appMetricDefaults.statusLabel),
        errorStatus,
        duration: name("durationMetric", appMetricDefaults.duration),
        durationUnit: unit === "milliseconds" ? "milliseconds" : "seconds",
    };
}

function parseRedis(r: Reader): RedisTarget[] {
    return r.list("redis", []).map((item, i) => {
        const path = `redis[${i}]`;
        if (!isRecord(item)) {
            r.check(false, `${path}: expected an object with name and address`);
            return { name: "", address: "" };
        }
        const ir = itemReader(item, path, r.problems);
        const name = ir.string(`${path}.name`);
        r.check(name === "" || /^[a-z0-9][a-z0-9-]*$/.test(name), `${path}.name: "${name}" must be lowercase letters, digits and -`);
        const address = ir.string(`${path}.address`);
        r.check(address === "" || hostPortPattern.test(address), `${path}.address: "${address}" is not host:port; write it like redis:6379`);
        return { name, address, password: ir.optionalString(`${path}.password`) };
    });
}

const receiverSecretField: Record<ReceiverType, string | undefined> = {
    telegram: "botToken", discord: "webhookUrl", slack: "webhookUrl", pagerduty: "routingKey", email: undefined, webhook: "url",
};

function parseReceivers(r: Reader, options: ParseOptions): Receiver[] {
    const receivers: Receiver[] = [];
    for (const [i, item] of r.list("receivers", []).entries()) {
        const path = `receivers[${i}]`;
        if (!isRecord(item)) {
            r.check(false, `${path}: expected an object with name and type`);
            continue;
        }
        const ir = itemReader(item, path, r.problems);
        if (!ir.boolean(`${path}.enabled`, true)) continue;
        const name = ir.string(`${path}.name`);
        r.check(name === "" || /^[a-z0-9][a-z0-9-]*$/.test(name), `${path}.name: "${name}" must be lowercase letters, digits and -`);
        const type = ir.string(`${path}.type`) as ReceiverType;
        if (!receiverTypes.includes(type)) {
            r.check(false, `${path}.type: "${type}" is not one of ${receiverTypes.join(", ")}`);
            continue;
        }
        const sev = ir.stringList(`${path}.severities`, ["critical", "warning"]);
        for (const s of sev) r.check(severities.includes(s as Severity), `${path}.severities: "${s}" is not one of ${severities.join(", ")}`);
        const base = { name, severities: sev.filter((s): s is Severity => severities.includes(s as Severity)) };
        const secretField = receiverSecretField[type];
        if (secretField && !ir.has(`${path}.${secretField}`) && !options.withoutSecrets) {
            r.check(false, `${path}.${secretField}: receiver "${name}" (${type}) is enabled but has no ${secretField}; ` +
                `set it with \`pulumi config set --secret --path '${path}.${secretField}' <value>\` or set ${path}.enabled to false`);
        }
        const secret = secretField ? ir.string(`${path}.${secretField}`, undecryptedSecret) : "";
        switch (type) {
            case "telegram": {
                const chatId = ir.integer(`${path}.chatId`, 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
                r.check(chatId !== 0, `${path}.chatId: set the numeric Telegram chat id (for groups it starts with -100)`);
                receivers.push({ ...base, type, chatId, botToken: secret, apiUrl: ir.optionalString(`${path}.apiUrl`) });
                break;
            }
            case "discord":
                receivers.push({ ...base, type, webhookUrl: secret });
                break;
            case "slack":
                receivers.push({ ...base, type, webhookUrl: secret, channel: ir.optionalString(`${path}.channel`) });
                break;
            case "pagerduty":
                receivers.push({ ...base, type, routingKey: secret, url: ir.optionalString(`${path}.url`) });
                break;
            case "webhook":
                receivers.push({ ...base, type, url: secret });
                break;
            case "email": {
                const authUsername = ir.optionalString(`${path}.authUsername`);
                const authPassword = ir.optionalString(`${path}.authPassword`);
                r.check(!authUsername || !!authPassword,
                    `${path}.authPassword: receiver "${name}" has authUsername but no authPassword; set it with \`pulumi config set --secret --path '${path}.authPassword' <value>\``);
                const smarthost = ir.string(`${path}.smarthost`);
                r.check(smarthost === "" || hostPortPattern.test(smarthost), `${path}.smarthost: "${smarthost}" is not host:port, e.g. smtp.example.com:587`);
                receivers.push({
                    ...base, type, to: ir.string(`${path}.to`), from: ir.string(`${path}.from`), smarthost,
                    authUsername, authPassword, requireTls: ir.boolean(`${path}.requireTls`, true),
                });
                break;
            }
        }
    }
    return receivers;
}

/**
 * Validates the raw configuration of one stack. `raw` holds unprefixed keys (`serverType`, not
 * `<project>:serverType`) with Pulumi.yaml defaults already applied.
 */
export function parseStackConfig(stack: string, raw: Readonly<Record<string, unknown>>, options: ParseOptions = {}): StackConfig {
    const r = new Reader(raw);

    const mode = r.string("hostMode", "hetzner") as HostMode;
    r.check(["hetzner", "hetzner-existing", "ssh", "local"].includes(mode), `hostMode: "${mode}" must be hetzner (create a server), hetzner-existing (adopt one by hetznerServerId), ssh (deploy to sshHost) or local (this machine's Docker)`);
    const hetznerMode = mode === "hetzner" || mode === "hetzner-existing";
    const serverType = r.string("serverType", "cx23");
    r.check(!hetznerMode || serverType in hetznerServerTypes,
        `serverType: "${serverType}" is not a current Hetzner server type; use one of ${Object.keys(hetznerServerTypes).join(", ")}`);
    const location = r.string("location", "fsn1");
    r.check(!hetznerMode || (hetznerLocations as readonly string[]).includes(location), `location: "${location}" is not a Hetzner location; use one of ${hetznerLocations.join(", ")}`);
    const sshAllowedCidrs = r.stringList("sshAllowedCidrs", ["0.0.0.0/0", "::/0"]);
    for (const [i, cidr] of sshAllowedCidrs.entries()) {
        r.check(isIpv4Cidr(cidr) || isIpv6Cidr(cidr), `sshAllowedCidrs[${i}]: "${cidr}" is not a CIDR; write it like 203.0.113.7/32 or 2001:db8::/32`);
    }
    r.check(sshAllowedCidrs.length > 0, "sshAllowedCidrs: list at least one CIDR, or you lock yourself out of SSH");
    const sshPublicKey = r.optionalString("sshPublicKey");
    const hetznerSshKeyName = r.optionalString("hetznerSshKeyName");
    r.check(mode !== "hetzner" || !!sshPublicKey || !!hetznerSshKeyName,
        "sshPublicKey: a new server needs a key; set sshPublicKey to your public key (ssh-ed25519 AAAA…) or hetznerSshKeyName to a key already in the Hetzner project");
    r.check(!sshPublicKey || /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/.test(sshPublicKey),
        "sshPublicKey: not an OpenSSH public key; paste the one line from ~/.ssh/id_ed25519.pub");
    const sshHostKey = r.optionalString("sshHostKey");
    r.check(!sshHostKey || /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+$/.test(sshHostKey.trim()),
        "sshHostKey: not a host public key; take the key type and key of `ssh-keyscan -t ed25519 <host>` (without the host name)");
    const serverIdText = r.optionalString("hetznerServerId");
    r.check(mode !== "hetzner-existing" || (!!serverIdText && /^\d+$/.test(serverIdText)),
        "hetznerServerId: hostMode hetzner-existing needs the numeric id of the server to adopt (hcloud server list)");
    const sshHost = r.optionalString("sshHost");
    r.check(mode !== "ssh" || !!sshHost, "sshHost: hostMode ssh needs the address of the host to deploy to");
    const ipv4 = r.boolean("ipv4", true);
    const ipv6 = r.boolean("ipv6", true);
    r.check(!hetznerMode || ipv4 || ipv6, "ipv4: a server needs at least one public address; set ipv4 or ipv6 to true");
    const sshPort = r.integer("sshPort", 22, 1, 65535);

    const host: HostConfig = {
        mode, serverType, location, sshAllowedCidrs, sshPublicKey, hetznerSshKeyName, sshHost, ipv4, ipv6, sshPort, sshHostKey,
        serverName: r.string("serverName", "") || `monitoring-${stack}`,
        image: r.string("image", "ubuntu-24.04"),
        hetznerServerId: serverIdText && /^\d+$/.test(serverIdText) ? Number(serverIdText) : undefined,
        sshUser: r.string("sshUser", "deploy"),
        sshPrivateKey: r.optionalString("sshPrivateKey"),
        protect: r.boolean("protect", true),
    };

    const port = (key: string, fallback: number) => r.integer(key, fallback, 1, 65535);
    const memory = (key: string, fallback: number) => r.integer(key, fallback, 16, 1024 * 1024);
    const prometheus = {
        image: r.image("prometheusImage", "prom/prometheus:v3.5.0"),
        memoryMb: memory("prometheusMemoryMb", 512),
        port: port("prometheusPort", 9090),
        scrapeInterval: r.duration("scrapeInterval", "15s"),
        scrapeTimeout: r.duration("scrapeTimeout", "10s"),
        evaluationInterval: r.duration("evaluationInterval", "15s"),
        retentionTime: r.duration("retentionTime", "15d"),
        retentionSize: r.string("retentionSize", "5GB"),
    };
    r.check(sizePattern.test(prometheus.retentionSize), `retentionSize: "${prometheus.retentionSize}" is not a size; write it like 512MB, 5GB or 1TB`);
    r.check(durationMs(prometheus.scrapeTimeout) <= durationMs(prometheus.scrapeInterval),
        `scrapeTimeout: ${prometheus.scrapeTimeout} is longer than scrapeInterval ${prometheus.scrapeInterval}; make it shorter`);
    const alertmanager = {
        image: r.image("alertmanagerImage", "prom/alertmanager:v0.28.1"),
        memoryMb: memory("alertmanagerMemoryMb", 128),
        port: port("alertmanagerPort", 9093),
        groupWait: r.duration("groupWait", "30s"),
        groupInterval: r.duration("groupInterval", "5m"),
        repeatInterval: r.duration("repeatInterval", "4h"),
    };
    const grafana = {
        image: r.image("grafanaImage", "grafana/grafana:12.1.1"),
        memoryMb: memory("grafanaMemoryMb", 384),
        port: port("grafanaPort", 3000),
        adminUser: r.string("grafanaAdminUser", "admin"),
        adminPassword: r.optionalString("grafanaAdminPassword"),
    };
    r.check(grafana.adminPassword === undefined || grafana.adminPassword.length >= 12,
        "grafanaAdminPassword: use at least 12 characters, or unset it to have one generated");
    const nodeExporter = {
        enabled: r.boolean("nodeExporter", true),
        image: r.image("nodeExporterImage", "prom/node-exporter:v1.9.1"),
        memoryMb: memory("nodeExporterMemoryMb", 64),
    };
    const redisExporter = {
        image: r.image("redisExporterImage", "oliver006/redis_exporter:v1.74.0-alpine"),
        memoryMb: memory("redisExporterMemoryMb", 64),
    };

    const published = [["sshPort", sshPort], ["prometheusPort", prometheus.port], ["alertmanagerPort", alertmanager.port], ["grafanaPort", grafana.port]] as const;
    for (const [i, [key, value]] of published.entries()) {
        const clash = published.slice(0, i).find(([, other]) => other === value);
        r.check(!clash, `${key}: port ${value} is already used by ${clash?.[0]}; pick another port`);
    }

    const apps = parseApps(r);
    const redis = parseRedis(r);
    const jobs = [...builtinJobs, ...redis.map((x) => `redis-${x.name}`)];
    for (const [i, app] of apps.entries()) {
        r.check(!jobs.includes(app.job), `apps[${i}].job: job name "${app.job}" is used twice (built-in jobs: ${builtinJobs.join(", ")}); rename it`);
        jobs.push(app.job);
    }
    const redisNames = redis.map((x) => x.name);
    redisNames.forEach((n, i) => r.check(redisNames.indexOf(n) === i, `redis[${i}].name: "${n}" is used twice; names must be unique`));
    const receivers = parseReceivers(r, options);
    const receiverNames = receivers.map((x) => x.name);
    receiverNames.forEach((n, i) => r.check(receiverNames.indexOf(n) === i, `receivers: name "${n}" is used twice; names must be unique`));

    const alerting = parseAlertThresholds(r.structured("alertThresholds", {}));
    r.problems.push(...alerting.problems);
    const dockerSubnet = r.string("dockerSubnet", "172.30.0.0/24");
    r.check(isIpv4Cidr(dockerSubnet) && Number(dockerSubnet.split("/")[1]) <= 29, `dockerSubnet: "${dockerSubnet}" must be an IPv4 CIDR of /29 or larger, e.g. 172.30.0.0/24`);
    const configRoot = r.string("configRoot", "") || defaultConfigRoot(stack);
    r.check(/^\/[A-Za-z0-9._/-]+$/.test(configRoot) && !configRoot.endsWith("/"), `configRoot: "${configRoot}" must be an absolute path without a trailing /`);

    const monitoring: MonitoringConfig = {
        stack,
        environment: r.string("environment", "") || stack,
        hostLabel: mode === "ssh" ? sshHost ?? "" : mode === "local" ? "localhost" : host.serverName,
        configRoot, dockerSubnet,
        appNetworks: r.stringList("appNetworks", []),
        prometheus, alertmanager, grafana, nodeExporter, redisExporter,
        logMaxSize: r.string("logMaxSize", "10m"),
        logMaxFiles: r.integer("logMaxFiles", 3, 1, 100),
        apps, redis, receivers,
        deadMansSwitchUrl: r.optionalString("deadMansSwitchUrl"),
        alertThresholds: alerting.thresholds,
    };
    r.check(/^\d+[kmg]$/.test(monitoring.logMaxSize), `logMaxSize: "${monitoring.logMaxSize}" must look like 10m or 512k`);

    if (hetznerMode && serverType in hetznerServerTypes) {
        const total = containerMemoryMb(monitoring);
        const available = hetznerServerTypes[serverType] - hostReservedMemoryMb;
        r.check(total <= available, `serverType: the containers' memory limits add up to ${total} MB but ${serverType} leaves ${available} MB; lower the *MemoryMb keys or pick a larger serverType`);
    }

    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return { stack, host, monitoring };
}

/** Sum of the memory limits of every container the stack runs. */
export function containerMemoryMb(m: MonitoringConfig): number {
    return m.prometheus.memoryMb + m.alertmanager.memoryMb + m.grafana.memoryMb +
        (m.nodeExporter.enabled ? m.nodeExporter.memoryMb : 0) + m.redis.length * m.redisExporter.memoryMb;
}
