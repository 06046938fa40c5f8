// Stack configuration: parsed and validated once, at the edge, before any resource exists.
// Input is a flat map of key → value (strings from `pulumi config`, or typed values read from
// Pulumi.yaml defaults and Pulumi.<stack>.yaml). Every problem is collected and reported together,
// each naming the key and the fix.
import { posix } from "path";
import { AlertThresholds, appMetricDefaults, parseAlertThresholds } from "../model/alerts";
import { builtinJobs, hetznerLocations, hetznerServerDiskGb, hetznerServerTypes, hostReservedDiskGb, hostReservedMemoryMb, redisJob } from "../model/catalog";
import { labelNamePattern, metricNamePattern } from "../render/promql";
import { didYouMean } from "./suggest";
import { defaultConfigRoot, namePrefix } from "../model/names";
import { isRecord } from "../model/typeGuards";

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
    /** Not read from Pulumi.yaml yet: the probes issue adds its keys (model/services.ts blackboxExporterDefaults). */
    readonly blackboxExporter?: ServiceSettings & { readonly enabled: boolean };
    readonly logMaxSize: string;
    readonly logMaxFiles: number;
    readonly apps: readonly AppTarget[];
    readonly redis: readonly RedisTarget[];
    readonly receivers: readonly Receiver[];
    /** Secret ping URL of a dead man's switch service that the Watchdog alert keeps calling. */
    readonly deadMansSwitchUrl?: string;
    /** Alert thresholds: the defaults of model/alerts.ts with the stack's `alertThresholds` over them. */
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
/** POSIX-portable user names (useradd's default rule): nothing a shell would interpret. */
const posixUserPattern = /^[a-z_][a-z0-9_-]{0,31}$/;
/** RFC 1123 host names (with an optional trailing dot). */
const hostNamePattern = /^(?=.{1,253}\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Milliseconds in a Prometheus duration such as "1h30m". */
export function durationMs(text: string): number {
    const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3 };
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

export function isIpv4Address(text: string): boolean {
    return isIpv4Cidr(`${text}/32`);
}

export function isIpv6Address(text: string): boolean {
    return isIpv6Cidr(`${text}/128`);
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
    /** Where the values came from; without it, keys outside the project's namespace are not checked. */
    readonly source?: ConfigSource;
}

/** The stack's configuration as Pulumi holds it: namespaced keys, the project's and the providers'. */
export interface ConfigSource {
    /** The project's name: its keys are `<project>:<key>`. */
    readonly project: string;
    /** Namespaces of the providers the program uses (hcloud, docker, …, and pulumi itself): their keys pass. */
    readonly providerNamespaces: readonly string[];
    /** Every key of the stack's configuration outside `<project>:`, as written (`hcloud:token`, `retentionTime`). */
    readonly outsideKeys: readonly string[];
}

/** A secure value from a stack file that could not be decrypted here (render without Pulumi). */
export const undecryptedSecret = "<secret: set with pulumi config set --secret>";

/** Reads raw config values with type coercion, recording problems instead of throwing. */
class Reader {
    /** Every key the parser asked for: whatever else the input holds is unknown. */
    readonly read = new Set<string>();
    constructor(private readonly raw: Readonly<Record<string, unknown>>, readonly problems: string[] = []) {}

    private value(key: string): unknown {
        this.read.add(key);
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
        this.read.add(key);
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
    return new Reader(Object.fromEntries(Object.entries(item).map(([k, v]) => [`${path}.${k}`, v])), problems);
}

/** Fields of a structured item that its parser never read: a typo, or a field of another kind of item. */
function checkUnknownFields(item: Record<string, unknown>, path: string, ir: Reader, what: string, problems: string[]): void {
    const known = [...ir.read].map((k) => k.slice(path.length + 1));
    for (const field of Object.keys(item)) {
        if (ir.read.has(`${path}.${field}`)) continue;
        const hint = didYouMean(field, known, (f) => `${path}.${f}`) ?? `remove it; its fields are ${known.join(", ")}`;
        problems.push(`${path}.${field}: ${what} has no field ${field}; ${hint}`);
    }
}

/** Why an app may not set this target label, or undefined when it may. */
function reservedLabelProblem(appPath: string, name: string): string | undefined {
    if (name === "job") {
        return `job is the scrape job's name, set from ${appPath}.job, and TargetDown and every per-app rule select on it; ` +
            `remove the label and rename ${appPath}.job instead`;
    }
    if (name === "instance") {
        return "instance tells the targets apart (each one's host:port); one value for all of them breaks TargetDown and the per-app alerts; remove it";
    }
    if (name.startsWith("__")) return "names starting with __ are reserved for Prometheus' own labels (__address__, __metrics_path__ …); remove it or rename it";
    if (!labelNamePattern.test(name)) return "not a valid Prometheus label name; use letters, digits and _, not starting with a digit";
    return undefined;
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
                const problem = reservedLabelProblem(path, name);
                r.check(problem === undefined, `${path}.labels.${name}: ${problem}`);
                r.check(["string", "number", "boolean"].includes(typeof value), `${path}.labels.${name}: expected a text value, got ${JSON.stringify(value)}`);
                labels[name] = String(value);
            }
        } else r.check(false, `${path}.labels: expected a map of label name to value`);
        const metrics = parseAppMetrics(ir, path);
        checkUnknownFields(item, path, ir, "an app", r.problems);
        return { job, targets, metricsPath, scheme: scheme === "https" ? "https" : "http", labels, metrics };
    });
}

/** RE2, which Prometheus uses, has no lookaround and no backreferences; JavaScript would accept them. */
const notRe2 = /\(\?<?[=!]|\\[1-9]/;

function parseAppMetrics(ir: Reader, path: string): AppMetrics {
    const name = (field: string, fallback: string) => {
        const value = ir.string(`${path}.${field}`, fallback);
        ir.check(metricNamePattern.test(value), `${path}.${field}: "${value}" is not a Prometheus metric name; use letters, digits, _ and :, not starting with a digit`);
        return value;
    };
    const statusLabel = ir.string(`${path}.statusLabel`, appMetricDefaults.statusLabel);
    ir.check(labelNamePattern.test(statusLabel) && !statusLabel.startsWith("__") && statusLabel !== "job",
        `${path}.statusLabel: "${statusLabel}" is not a label name the app can set; use letters, digits and _ (not job, not starting with __), e.g. status or code`);
    const errors = ir.optionalString(`${path}.errorsMetric`);
    ir.check(!errors || metricNamePattern.test(errors), `${path}.errorsMetric: "${errors}" is not a Prometheus metric name; use letters, digits, _ and :, not starting with a digit`);
    const unit = ir.string(`${path}.durationUnit`, "seconds");
    ir.check(unit === "seconds" || unit === "milliseconds", `${path}.durationUnit: "${unit}" must be seconds or milliseconds`);
    const errorStatus = ir.string(`${path}.errorStatus`, appMetricDefaults.errorStatusRegex);
    try {
        new RegExp(errorStatus);
        ir.check(!notRe2.test(errorStatus), `${path}.errorStatus: "${errorStatus}" uses lookaround or a backreference, which Prometheus' regular expressions (RE2) lack; write it like 5.. or 5..|429`);
    } catch {
        ir.check(false, `${path}.errorStatus: "${errorStatus}" is not a regular expression; write it like 5.. or 5..|429`);
    }
    return {
        requests: name("requestsMetric", appMetricDefaults.requests),
        errors,
        statusLabel,
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
        const password = ir.optionalString(`${path}.password`);
        checkUnknownFields(item, path, ir, "a Redis server", r.problems);
        return { name, address, password };
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
        // A disabled receiver needs no valid values (it may wait for its secret), but it is read
        // like any other, so a mistyped field is found before it is enabled.
        const valueProblems: string[] = [];
        const ir = itemReader(item, path, valueProblems);
        const enabled = ir.boolean(`${path}.enabled`, true);
        const receiver = parseReceiver(ir, path, options);
        if (receiver) checkUnknownFields(item, path, ir, `a ${receiver.type} receiver`, r.problems);
        if (!enabled) continue;
        r.problems.push(...valueProblems);
        if (receiver) receivers.push(receiver);
    }
    return receivers;
}

function parseReceiver(ir: Reader, path: string, options: ParseOptions): Receiver | undefined {
    const name = ir.string(`${path}.name`);
    ir.check(name === "" || /^[a-z0-9][a-z0-9-]*$/.test(name), `${path}.name: "${name}" must be lowercase letters, digits and -`);
    const type = ir.string(`${path}.type`) as ReceiverType;
    if (!receiverTypes.includes(type)) {
        ir.check(false, `${path}.type: "${type}" is not one of ${receiverTypes.join(", ")}`);
        return undefined;
    }
    const sev = ir.stringList(`${path}.severities`, ["critical", "warning"]);
    for (const s of sev) ir.check(severities.includes(s as Severity), `${path}.severities: "${s}" is not one of ${severities.join(", ")}`);
    const base = { name, severities: sev.filter((s): s is Severity => severities.includes(s as Severity)) };
    const secretField = receiverSecretField[type];
    if (secretField && !ir.has(`${path}.${secretField}`) && !options.withoutSecrets) {
        ir.check(false, `${path}.${secretField}: receiver "${name}" (${type}) is enabled but has no ${secretField}; ` +
            `set it with \`pulumi config set --secret --path '${path}.${secretField}' <value>\` or set ${path}.enabled to false`);
    }
    const secret = secretField ? ir.string(`${path}.${secretField}`, undecryptedSecret) : "";
    switch (type) {
        case "telegram": {
            const chatId = ir.integer(`${path}.chatId`, 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
            ir.check(chatId !== 0, `${path}.chatId: set the numeric Telegram chat id (for groups it starts with -100)`);
            return { ...base, type, chatId, botToken: secret, apiUrl: ir.optionalString(`${path}.apiUrl`) };
        }
        case "discord":
            return { ...base, type, webhookUrl: secret };
        case "slack":
            return { ...base, type, webhookUrl: secret, channel: ir.optionalString(`${path}.channel`) };
        case "pagerduty":
            return { ...base, type, routingKey: secret, url: ir.optionalString(`${path}.url`) };
        case "webhook":
            return { ...base, type, url: secret };
        case "email": {
            const authUsername = ir.optionalString(`${path}.authUsername`);
            const authPassword = ir.optionalString(`${path}.authPassword`);
            ir.check(!authUsername || !!authPassword,
                `${path}.authPassword: receiver "${name}" has authUsername but no authPassword; set it with \`pulumi config set --secret --path '${path}.authPassword' <value>\``);
            const smarthost = ir.string(`${path}.smarthost`);
            ir.check(smarthost === "" || hostPortPattern.test(smarthost), `${path}.smarthost: "${smarthost}" is not host:port, e.g. smtp.example.com:587`);
            return {
                ...base, type, to: ir.string(`${path}.to`), from: ir.string(`${path}.from`), smarthost,
                authUsername, authPassword, requireTls: ir.boolean(`${path}.requireTls`, true),
            };
        }
    }
}

/** Bytes in a Prometheus size such as 5GB (Prometheus counts in powers of 1024). */
export function sizeBytes(text: string): number {
    const m = sizePattern.exec(text);
    if (!m) return NaN;
    const units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    return Number(text.slice(0, -m[2].length)) * 1024 ** units.indexOf(m[2]);
}

/** configRoot as the program uses it: `//`, `.` and a trailing `/` removed. */
export function normalizeConfigRoot(text: string): string {
    const normal = posix.normalize(text);
    return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/** Directories the stack must not take over: the system's own, and those emptied at boot. */
const systemDirectories = ["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/media", "/mnt", "/opt", "/proc", "/root",
    "/run", "/sbin", "/snap", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/var/lib/docker", "/var/log", "/var/tmp"];
/** Trees nothing of ours may live in (system files, kernel interfaces, tmpfs, Docker's own state). */
const systemTrees = /^\/(bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|run|sbin|snap|sys|tmp|usr|var\/lib\/docker|var\/tmp)(\/|$)/;

/** What is wrong with configRoot, completing "configRoot: "<text>" …", or undefined. */
function checkConfigRoot(text: string, normal: string): string | undefined {
    if (!text.startsWith("/")) return "is not an absolute path; write it like /opt/monitoring";
    if (text.split("/").includes("..")) return "contains ..; name the directory itself, like /opt/monitoring";
    if (!/^\/[A-Za-z0-9._/-]*$/.test(text)) return "may only use letters, digits, ., _, - and /; write it like /opt/monitoring";
    if (systemDirectories.includes(normal) || systemTrees.test(normal)) {
        return `is ${normal === "/" ? "the root directory" : `${normal}, a system directory or inside one`}; ` +
            "the stack writes root-owned files there, so give it a directory of its own, like /opt/monitoring";
    }
    return undefined;
}

/**
 * Keys nobody reads: mistyped project keys (`retentoin`), and project keys given without the
 * project's namespace or under another one (`retentionTime`, `foo:retentionTime`). Keys of the
 * providers the program uses (`hcloud:token`, `pulumi:tags`) pass, unless they name a project key.
 */
function checkKeys(raw: Readonly<Record<string, unknown>>, r: Reader, source: ConfigSource | undefined): void {
    const known = [...r.read];
    const projectKey = (k: string) => (source ? `${source.project}:${k}` : k);
    for (const key of Object.keys(raw)) {
        if (r.read.has(key)) continue;
        r.problems.push(`${projectKey(key)}: unknown key; ${didYouMean(key, known, projectKey) ??
            "remove it (the keys are listed in README.md under Configuration)"}`);
    }
    if (!source) return;
    const exact = (name: string) => known.find((k) => k.toLowerCase() === name.toLowerCase());
    for (const key of source.outsideKeys) {
        const colon = key.indexOf(":");
        const namespace = colon < 0 ? undefined : key.slice(0, colon);
        const name = key.slice(colon + 1);
        if (namespace !== undefined && source.providerNamespaces.includes(namespace)) {
            const meant = exact(name);
            if (meant) r.problems.push(`${key}: ${meant} is a setting of this program, not of the ${namespace} provider; did you mean ${projectKey(meant)}?`);
            continue;
        }
        const where = namespace === undefined ? "a key without a namespace is read by nobody" : `nothing reads namespace ${namespace}`;
        const hint = didYouMean(name, known, projectKey) ??
            `remove it (this program reads ${source.project}:<key> and the settings of ${source.providerNamespaces.join(", ")})`;
        r.problems.push(`${key}: ${where}; ${hint}`);
    }
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
    r.check(!sshHost || hostNamePattern.test(sshHost) || isIpv4Address(sshHost) || isIpv6Address(sshHost),
        `sshHost: "${sshHost}" is not a host name or IP address; write it like monitoring.example.com, 203.0.113.7 or 2001:db8::7 (no user, port or scheme)`);
    const sshUser = r.string("sshUser", "deploy");
    r.check(posixUserPattern.test(sshUser),
        `sshUser: "${sshUser}" is not a POSIX user name; use at most 32 lowercase letters, digits, _ and -, starting with a letter or _ (e.g. deploy)`);
    r.check(mode !== "hetzner" || sshUser !== "root",
        "sshUser: a new server refuses root logins over SSH (cloud-init sets PermitRootLogin no); name a non-root user such as deploy");
    r.check(mode !== "ssh" || !!sshHost, "sshHost: hostMode ssh needs the address of the host to deploy to");
    const ipv4 = r.boolean("ipv4", true);
    const ipv6 = r.boolean("ipv6", true);
    r.check(!hetznerMode || ipv4 || ipv6, "ipv4: a server needs at least one public address; set ipv4 or ipv6 to true");
    const sshPort = r.integer("sshPort", 22, 1, 65535);

    const host: HostConfig = {
        mode, serverType, location, sshAllowedCidrs, sshPublicKey, hetznerSshKeyName, sshHost, ipv4, ipv6, sshPort, sshHostKey,
        serverName: r.string("serverName", "") || namePrefix(stack),
        image: r.string("image", "ubuntu-24.04"),
        hetznerServerId: serverIdText && /^\d+$/.test(serverIdText) ? Number(serverIdText) : undefined,
        sshUser,
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
    if (hetznerMode && serverType in hetznerServerDiskGb && sizePattern.test(prometheus.retentionSize)) {
        const diskGb = hetznerServerDiskGb[serverType];
        const allowedBytes = (diskGb - hostReservedDiskGb) * 1e9;
        r.check(sizeBytes(prometheus.retentionSize) <= allowedBytes,
            `retentionSize: ${prometheus.retentionSize} does not fit ${serverType}'s ${diskGb} GB disk, which must keep ${hostReservedDiskGb} GB for the OS, ` +
            `Docker images, logs and the other volumes; set it to at most ${Math.floor(allowedBytes / 2 ** 30)}GB or pick a serverType with a larger disk`);
    }
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
    const jobs: string[] = [...Object.values(builtinJobs), ...redis.map((x) => redisJob(x.name))];
    for (const [i, app] of apps.entries()) {
        r.check(!jobs.includes(app.job), `apps[${i}].job: job name "${app.job}" is used twice (built-in jobs: ${Object.values(builtinJobs).join(", ")}); rename it`);
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
    const configRootText = r.string("configRoot", "") || defaultConfigRoot(stack);
    const configRoot = normalizeConfigRoot(configRootText);
    const configRootProblem = checkConfigRoot(configRootText, configRoot);
    r.check(configRootProblem === undefined, `configRoot: "${configRootText}" ${configRootProblem}`);

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

    checkKeys(raw, r, options.source);
    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return { stack, host, monitoring };
}

/** Sum of the memory limits of every container the stack runs. */
export function containerMemoryMb(m: MonitoringConfig): number {
    return m.prometheus.memoryMb + m.alertmanager.memoryMb + m.grafana.memoryMb +
        (m.nodeExporter.enabled ? m.nodeExporter.memoryMb : 0) + m.redis.length * m.redisExporter.memoryMb;
}
