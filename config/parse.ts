// Stack configuration: parsed and validated once, at the edge, before any resource exists.
// Input is a flat map of key → value (strings from `pulumi config`, or typed values read from
// Pulumi.yaml defaults and Pulumi.<stack>.yaml). Every problem is collected and reported together,
// each naming the key and the fix.
import { posix } from "path";
import { z } from "zod";
import { appMetricDefaults } from "../model/alerts";
import { defaultPaging, pagingKeys, pagingProblems, type PagingSettings } from "../model/paging";
import { parseAlertThresholds } from "./thresholds";
import { fleetHostsSchema, resolveFleet } from "./fleet";
import { discoveryKeys, parseHetznerDiscovery } from "./discovery";
import { reservedFleetJobs } from "../render/fleetScrape";
import { blackboxJob, builtinJobs, hetznerLocations, hetznerServerDiskGb, hetznerServerTypes, hostReservedDiskGb, hostReservedMemoryMb, probeJob, redisJob } from "../model/catalog";
import { blackboxExporterDefaults } from "../model/services";
import { probeKinds, probesSchema } from "./probes";
import { defaultConfigRoot, namePrefix } from "../model/names";
import { isReceiverType, receiverSpecs, receiverTypes, type Receiver } from "../model/receivers";
import { containerMemoryMb, severities, type AppTarget, type HostConfig, type HostMode, type MonitoringConfig, type Severity, type StackConfig } from "../model/stack";
import { isRecord } from "../model/typeGuards";
import { hostPortPattern, labelNamePattern, metricNamePattern } from "../render/promql";
import { checkedText, flag, hostNamePattern, isRegExp, isTarget, isUnknownField, item, list, listText, notRe2, oneOf, optional, optionalText, plain, problems, requiredText, text, wholeNumber } from "./fields";
import { readRemoteConfig } from "./remoteWrite";
import { victoriaMetricsJob } from "../model/remoteWrite";
import { didYouMean } from "./suggest";
import { placeholderProblems } from "./template";
import { runbookBaseFromRemote, runbookBasePattern, type RepositoryOrigin } from "./runbooks";
import { dataSafetySecretKeys, defaultRetentionSize, parseDataSafety } from "./dataSafety";
import { dataMountPath, dataVolumeHeadroomGb } from "../model/dataSafety";
import { durationMs, isIpv4Address, isIpv4Cidr, isIpv6Address, isIpv6Cidr, sizeBytes, sizePattern } from "./units";

/** Keys whose values are credentials: always handled as Pulumi secrets. */
export const secretKeys = ["sshPrivateKey", "grafanaAdminPassword", "deadMansSwitchUrl", "grafanaToken", discoveryKeys.token, ...dataSafetySecretKeys] as const;

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

const durationPattern = /^(\d+(y|w|d|h|m|s|ms))+$/;
const jobNamePattern = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
/** POSIX-portable user names (useradd's default rule): nothing a shell would interpret. */
const posixUserPattern = /^[a-z_][a-z0-9_-]{0,31}$/;

export interface ParseOptions {
    /**
     * For `npm run render`, which has no Pulumi to decrypt or prompt for secrets: a missing
     * secret becomes a placeholder instead of an error. Never set when deploying.
     */
    readonly withoutSecrets?: boolean;
    /** Where the values came from; without it, keys outside the project's namespace are not checked. */
    readonly source?: ConfigSource;
    /** The repository the program runs from (config/program.ts): runbookBaseUrl's default. */
    readonly repository?: RepositoryOrigin;
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

export { undecryptedSecret } from "./fields";

/** Reads raw config values with the coercions of configFields.ts, recording problems instead of throwing. */
export class Reader {
    /** Every key the parser asked for: whatever else the input holds is unknown. */
    readonly read = new Set<string>();
    constructor(private readonly raw: Readonly<Record<string, unknown>>, readonly problems: string[] = []) {}

    /** The value of `key` read by `schema`; on problems (recorded), `fallback`. */
    parse<T>(key: string, schema: z.ZodType<T, unknown>, fallback: T): T {
        this.read.add(key);
        const result = schema.safeParse(plain(this.raw[key]));
        this.problems.push(...problems(result.error?.issues ?? [], key));
        return result.success ? result.data : fallback;
    }

    string(key: string, fallback?: string): string {
        return this.parse(key, fallback === undefined ? text : text.default(fallback), fallback ?? "");
    }

    optionalString(key: string): string | undefined {
        return this.parse(key, optionalText, undefined);
    }

    integer(key: string, fallback: number, min: number, max: number): number {
        return this.parse(key, wholeNumber(fallback, min, max), fallback);
    }

    boolean(key: string, fallback: boolean): boolean {
        return this.parse(key, flag(fallback), fallback);
    }

    stringList(key: string, fallback: readonly string[]): string[] {
        return this.parse(key, list(listText, fallback), [...fallback]);
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

/** Why an app may not set this target label, or undefined when it may. */
function reservedLabelProblem(name: string): string | undefined {
    if (name === "job") {
        return "job is the scrape job's name, set from {item}.job, and TargetDown and every per-app rule select on it; " +
            "remove the label and rename {item}.job instead";
    }
    if (name === "instance") {
        return "instance tells the targets apart (each one's host:port); one value for all of them breaks TargetDown and the per-app alerts; remove it";
    }
    if (name.startsWith("__")) return "names starting with __ are reserved for Prometheus' own labels (__address__, __metrics_path__ …); remove it or rename it";
    if (!labelNamePattern.test(name)) return "not a valid Prometheus label name; use letters, digits and _, not starting with a digit";
    return undefined;
}

const targetLabels = z.record(z.string(), z.unknown(), { error: "expected a map of label name to value" }).default({})
    .transform((labels, ctx) => Object.fromEntries(Object.entries(labels).map(([name, value]) => {
        const problems = [reservedLabelProblem(name), ["string", "number", "boolean"].includes(typeof value) ? undefined : `expected a text value, got ${JSON.stringify(value)}`];
        for (const message of problems.filter((p) => p !== undefined)) ctx.issues.push({ code: "custom", input: value, path: [name], message });
        return [name, String(value)];
    })));

const lowercaseName = requiredText((v) => /^[a-z0-9][a-z0-9-]*$/.test(v), "must be lowercase letters, digits and -");
const metricName = (fallback?: string) =>
    checkedText((v) => metricNamePattern.test(v), "is not a Prometheus metric name; use letters, digits, _ and :, not starting with a digit", fallback);

const appSchema = item({
    job: requiredText((v) => jobNamePattern.test(v), "must start with a letter and use letters, digits, _ or -"),
    targets: list(checkedText(isTarget, "is not host:port; write it like api:8000, host.docker.internal:8000 or 10.0.0.5:9200 (no scheme, no path)"))
        .refine((t) => t.length > 0, "list at least one host:port"),
    metricsPath: checkedText((v) => v.startsWith("/"), "must start with /", "/metrics"),
    scheme: oneOf(["http", "https"], "http", "must be http or https"),
    labels: targetLabels,
    statusLabel: checkedText((v) => labelNamePattern.test(v) && !v.startsWith("__") && v !== "job",
        "is not a label name the app can set; use letters, digits and _ (not job, not starting with __), e.g. status or code", appMetricDefaults.statusLabel),
    errorsMetric: optional(metricName()),
    durationUnit: oneOf(["seconds", "milliseconds"], "seconds", "must be seconds or milliseconds"),
    errorStatus: checkedText(isRegExp, "is not a regular expression; write it like 5.. or 5..|429", appMetricDefaults.errorStatusRegex)
        .refine((v) => !notRe2.test(v), { error: (iss) => `"${String(iss.input)}" uses lookaround or a backreference, which Prometheus' regular expressions (RE2) lack; write it like 5.. or 5..|429` }),
    requestsMetric: metricName(appMetricDefaults.requests),
    durationMetric: metricName(appMetricDefaults.duration),
}, "an app", "an object with job and targets").transform((a): AppTarget => ({
    job: a.job, targets: a.targets, metricsPath: a.metricsPath, scheme: a.scheme, labels: a.labels,
    metrics: { requests: a.requestsMetric, errors: a.errorsMetric, statusLabel: a.statusLabel, errorStatus: a.errorStatus, duration: a.durationMetric, durationUnit: a.durationUnit },
}));

const redisSchema = item({
    name: lowercaseName,
    address: requiredText((v) => hostPortPattern.test(v), "is not host:port; write it like redis:6379"),
    password: optionalText,
}, "a Redis server", "an object with name and address");

const receiverBase = {
    enabled: flag(true),
    name: lowercaseName,
    type: text,
    severities: list(text, ["critical", "warning"]).transform((list, ctx) => list.filter((s): s is Severity => {
        const known = severities.includes(s as Severity);
        if (!known) ctx.issues.push({ code: "custom", input: s, message: `"${s}" is not one of ${severities.join(", ")}` });
        return known;
    })),
};

/**
 * A receiver of any registered type (model/receivers.ts), or undefined when it is disabled:
 * a disabled receiver needs no valid values (it may wait for its secret), but its fields are
 * checked like any other's, so a mistyped field is found before it is enabled.
 */
function receiverSchema(options: ParseOptions) {
    return z.unknown().transform((raw, ctx): Receiver | undefined => {
        const issue = (path: string, message: string) => ctx.issues.push({ code: "custom", input: raw, path: [path], message });
        if (!isRecord(raw)) return void ctx.issues.push({ code: "custom", input: raw, message: "expected an object with name and type" });
        const on = flag(true).safeParse(raw.enabled).data !== false;
        const type = String(raw.type ?? "");
        if (!isReceiverType(type)) return void (on && issue("type", `"${type}" is not one of ${receiverTypes.join(", ")}`));
        const spec = receiverSpecs[type];
        const parsed = item({ ...receiverBase, ...spec.fields }, `a ${type} receiver`).safeParse(raw);
        for (const iss of parsed.error?.issues ?? []) {
            if (on || isUnknownField(iss)) ctx.issues.push({ code: "custom", input: raw, path: iss.path, message: iss.message });
        }
        if (!on) return undefined;
        const name = String(raw.name ?? "");
        const secretField = spec.requiredSecret;
        if (secretField && [undefined, null, ""].includes(raw[secretField] as string) && !options.withoutSecrets) {
            issue(secretField, `receiver "${name}" (${type}) is enabled but has no ${secretField}; ` +
                `set it with \`pulumi config set --secret --path '{item}.${secretField}' <value>\` or set {item}.enabled to false`);
        }
        // The spec's check takes its own type's fields (the raw ones when some are invalid); the
        // compiler cannot pair a spec and its fields through the union.
        const crossField = (spec.check as ((x: unknown, name: string) => readonly [string, string] | undefined) | undefined)?.(parsed.data ?? raw, name);
        if (crossField) issue(...crossField);
        if (!parsed.success) return undefined;
        const { enabled: _, ...receiver } = parsed.data;
        return receiver as Receiver;
    });
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
        // `:retentionTime` has no namespace either.
        const namespace = colon <= 0 ? undefined : key.slice(0, colon);
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
    const dataSafety = parseDataSafety(r, mode, options);
    const hostWithData: HostConfig = { ...host, dataVolume: dataSafety.dataVolume, hetznerBackups: dataSafety.hetznerBackups };

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
        retentionSize: r.string("retentionSize", "") || defaultRetentionSize(dataSafety.dataVolume),
    };
    r.check(sizePattern.test(prometheus.retentionSize), `retentionSize: "${prometheus.retentionSize}" is not a size; write it like 512MB, 5GB or 1TB`);
    const volume = dataSafety.dataVolume;
    if (volume && sizePattern.test(prometheus.retentionSize)) {
        const allowedBytes = (volume.sizeGb - dataVolumeHeadroomGb(volume.sizeGb)) * 1e9;
        r.check(sizeBytes(prometheus.retentionSize) <= allowedBytes,
            `retentionSize: ${prometheus.retentionSize} does not fit the ${volume.sizeGb} GB data volume, which must keep ${dataVolumeHeadroomGb(volume.sizeGb)} GB for Grafana, ` +
            `Alertmanager, backup snapshots and compaction; set it to at most ${Math.floor(allowedBytes / 2 ** 30)}GB (or unset it), or raise dataVolumeGb`);
    } else if (hetznerMode && serverType in hetznerServerDiskGb && sizePattern.test(prometheus.retentionSize)) {
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
    const pagingField = (field: keyof PagingSettings) => r.duration(pagingKeys[field], defaultPaging[field]);
    const paging: PagingSettings = {
        pageWithin: pagingField("pageWithin"), blipTolerance: pagingField("blipTolerance"),
        scrapeInterval: pagingField("scrapeInterval"), scrapeTimeout: pagingField("scrapeTimeout"),
        evaluationInterval: pagingField("evaluationInterval"), for: pagingField("for"),
        keepFiringFor: pagingField("keepFiringFor"), groupWait: pagingField("groupWait"),
    };
    // The promise is checked on valid durations only; the malformed ones are reported above.
    if (Object.values(paging).every((d) => durationPattern.test(d))) r.problems.push(...pagingProblems(paging));
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
    const probes = r.parse("probes", probesSchema, []);
    const blackboxExporter = {
        // It runs only while there is something to probe.
        enabled: probes.length > 0,
        image: r.image("blackboxExporterImage", blackboxExporterDefaults.image),
        memoryMb: memory("blackboxExporterMemoryMb", blackboxExporterDefaults.memoryMb),
    };

    const published = [["sshPort", sshPort], ["prometheusPort", prometheus.port], ["alertmanagerPort", alertmanager.port], ["grafanaPort", grafana.port]] as const;
    for (const [i, [key, value]] of published.entries()) {
        const clash = published.slice(0, i).find(([, other]) => other === value);
        r.check(!clash, `${key}: port ${value} is already used by ${clash?.[0]}; pick another port`);
    }

    const apps = r.parse("apps", list(appSchema), []);
    const redis = r.parse("redis", list(redisSchema), []);
    redis.forEach((x, i) => r.check(!reservedFleetJobs.includes(redisJob(x.name)), `redis[${i}].name: "${x.name}" would name job ${redisJob(x.name)}, reserved for the fleet's Redis exporters; rename it`));
    const remote = readRemoteConfig(r, options);
    const stackJobs = [...Object.values(builtinJobs), blackboxJob, ...probeKinds.map(probeJob), ...(remote.victoriaMetrics.enabled ? [victoriaMetricsJob] : [])];
    const jobs: string[] = [...stackJobs, ...redis.map((x) => redisJob(x.name))];
    for (const [i, app] of apps.entries()) {
        r.check(!reservedFleetJobs.includes(app.job), `apps[${i}].job: job name "${app.job}" is reserved for the fleet's agents (${reservedFleetJobs.join(", ")}); rename it`);
        r.check(!jobs.includes(app.job), `apps[${i}].job: job name "${app.job}" is used twice (built-in jobs: ${stackJobs.join(", ")}); rename it`);
        jobs.push(app.job);
    }
    const redisNames = redis.map((x) => x.name);
    redisNames.forEach((n, i) => r.check(redisNames.indexOf(n) === i, `redis[${i}].name: "${n}" is used twice; names must be unique`));
    const receivers = r.parse("receivers", list(receiverSchema(options)), []).filter((x) => x !== undefined);
    const receiverNames = receivers.map((x) => x.name);
    receiverNames.forEach((n, i) => r.check(receiverNames.indexOf(n) === i, `receivers: name "${n}" is used twice; names must be unique`));

    const alerting = parseAlertThresholds(r.structured("alertThresholds", {}));
    r.problems.push(...alerting.problems);
    const discovery = parseHetznerDiscovery({ label: r.string(discoveryKeys.label, ""), network: r.string(discoveryKeys.network, ""),
        token: r.optionalString(discoveryKeys.token), withoutSecrets: options.withoutSecrets ?? false });
    r.problems.push(...discovery.problems);
    r.check(!dataSafety.backup || alerting.thresholds.backupMaxAgeHours > dataSafety.backup.intervalHours,
        `alertThresholds.backupMaxAgeHours: ${alerting.thresholds.backupMaxAgeHours} h would call every backup stale, since one runs every ${dataSafety.backup?.intervalHours} h (backupIntervalHours); set it above that, with room for one slow run`);
    const dockerSubnet = r.string("dockerSubnet", "172.30.0.0/24");
    r.check(isIpv4Cidr(dockerSubnet) && Number(dockerSubnet.split("/")[1]) <= 29, `dockerSubnet: "${dockerSubnet}" must be an IPv4 CIDR of /29 or larger, e.g. 172.30.0.0/24`);
    const configRootText = r.string("configRoot", "") || defaultConfigRoot(stack);
    const configRoot = normalizeConfigRoot(configRootText);
    const configRootProblem = checkConfigRoot(configRootText, configRoot);
    r.check(configRootProblem === undefined, `configRoot: "${configRootText}" ${configRootProblem}`);

    const hostLabel = mode === "ssh" ? sshHost ?? "" : mode === "local" ? "localhost" : host.serverName;
    const fleet = resolveFleet(r.parse("hosts", fleetHostsSchema, []), {
        enabled: r.boolean("privateNetwork", false),
        ipRange: r.string("privateNetworkRange", "10.92.0.0/16"),
        subnetRange: r.string("privateSubnetRange", "10.92.0.0/24"),
    }, { mode, location, hostLabel, remoteWriteStores: remote.remoteWrite.length });
    r.problems.push(...fleet.problems);
    const runbookBaseUrl = r.optionalString("runbookBaseUrl");
    r.check(runbookBaseUrl === undefined || runbookBasePattern.test(runbookBaseUrl),
        `runbookBaseUrl: "${runbookBaseUrl}" is not a web address without #; write it like https://github.com/acme/monitoring/blob/main/docs/runbooks.md (each alert adds #<alertname>)`);

    const monitoring: MonitoringConfig = {
        stack,
        environment: r.string("environment", "") || stack,
        hostLabel,
        configRoot, dockerSubnet,
        appNetworks: r.stringList("appNetworks", []),
        prometheus, alertmanager, grafana, nodeExporter, redisExporter, blackboxExporter,
        logMaxSize: r.string("logMaxSize", "10m"),
        logMaxFiles: r.integer("logMaxFiles", 3, 1, 100),
        apps, redis, receivers,
        probes, hosts: fleet.hosts, hetznerDiscovery: discovery.discovery,
        deadMansSwitchUrl: r.optionalString("deadMansSwitchUrl"),
        paging,
        dataDir: dataSafety.dataVolume ? dataMountPath : undefined,
        backup: dataSafety.backup,
        alertThresholds: alerting.thresholds,
        runbookBaseUrl: runbookBaseUrl ?? (options.repository && runbookBaseFromRemote(options.repository)),
        remote,
    };
    r.check(/^\d+[kmg]$/.test(monitoring.logMaxSize), `logMaxSize: "${monitoring.logMaxSize}" must look like 10m or 512k`);

    if (hetznerMode && serverType in hetznerServerTypes) {
        const total = containerMemoryMb(monitoring);
        const available = hetznerServerTypes[serverType] - hostReservedMemoryMb;
        r.check(total <= available, `serverType: the containers' memory limits add up to ${total} MB but ${serverType} leaves ${available} MB; lower the *MemoryMb keys or pick a larger serverType`);
    }

    r.problems.push(...placeholderProblems(raw, stack));
    checkKeys(raw, r, options.source);
    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return { stack, host: hostWithData, monitoring, ...(fleet.privateNetwork ? { privateNetwork: fleet.privateNetwork } : {}) };
}
