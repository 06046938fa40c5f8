// The keys of issue 15: `remoteWrite` (a list of stores Prometheus copies its samples to),
// `victoriaMetrics*` (the embedded long-term store) and `grafanaMode`/`grafanaUrl`/`grafanaToken`
// (an external Grafana managed through its API). Read with the same readers as every other key;
// every problem names the key and the fix.
import { z } from "zod";
import {
    embeddedStoreName, grafanaModes, remoteWriteQueueDefaults, victoriaMetricsDefaults,
    type GrafanaMode, type GrafanaTarget, type RemoteConfig, type RemoteWriteAuth, type RemoteWriteTarget,
} from "../model/remoteWrite";
import { labelNamePattern } from "../render/promql";
import { checkedText, item, list, optionalText, plain, wholeNumber } from "./fields";

/** The part of config/parse.ts' reader these keys need. */
export interface RemoteReader {
    parse<T>(key: string, schema: z.ZodType<T, unknown>, fallback: T): T;
    string(key: string, fallback?: string): string;
    optionalString(key: string): string | undefined;
    boolean(key: string, fallback: boolean): boolean;
    integer(key: string, fallback: number, min: number, max: number): number;
    image(key: string, fallback: string): string;
    duration(key: string, fallback: string): string;
    check(ok: boolean, problem: string): void;
}

const durationPattern = /^(\d+(y|w|d|h|m|s|ms))+$/;
/** VictoriaMetrics 1.79 (Debian, the rehearsal's) takes only these units; newer ones take them too. */
const vmRetentionPattern = /^[1-9]\d*[hdwy]$/;
/** RFC 9110 header field names. */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers Prometheus sets itself and refuses in `headers`; Authorization has its own fields. */
const reservedHeaders = ["authorization", "content-encoding", "content-type", "user-agent", "x-prometheus-remote-write-version", "host"];
/** RE2 has no lookaround and no backreferences. */
const notRe2 = /\(\?<?[=!]|\\[1-9]/;

/** What is wrong with the URL `v`, completing `"<v>" …`; `credentialsFix` says where credentials go instead. */
function urlProblem(v: string, credentialsFix: string): string | undefined {
    let url: URL;
    try {
        url = new URL(v);
    } catch {
        return "is not a URL; write it like https://vm.example.com/api/v1/write";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with https:// (or http:// on a private network)";
    // Credentials in a URL would sit in prometheus.yml, a container's arguments and the preview diff.
    if (url.username !== "" || url.password !== "") return `holds credentials; remove user:password@ and ${credentialsFix}`;
    return undefined;
}

const url = (optionalUrl: boolean) => z.string({ error: "expected a URL" }).optional().transform((v, ctx) => {
    if (v === undefined || v === "") {
        if (!optionalUrl) ctx.issues.push({ code: "custom", input: v, message: "required: the store's write URL, e.g. https://vm.example.com/api/v1/write" });
        return undefined;
    }
    const problem = urlProblem(v, "set {item}.username and {item}.password (a secret) instead");
    if (problem) ctx.issues.push({ code: "custom", input: v, message: `"${v}" ${problem}` });
    return v;
});

const duration = (fallback: string) => checkedText((v) => durationPattern.test(v), "is not a Prometheus duration; write it like 5s or 100ms", fallback);

const queueSchema = item({
    capacity: wholeNumber(remoteWriteQueueDefaults.capacity, 100, 1_000_000),
    maxShards: wholeNumber(remoteWriteQueueDefaults.maxShards, 1, 1000),
    maxSamplesPerSend: wholeNumber(remoteWriteQueueDefaults.maxSamplesPerSend, 1, 100_000),
    batchSendDeadline: duration(remoteWriteQueueDefaults.batchSendDeadline),
    minBackoff: duration(remoteWriteQueueDefaults.minBackoff),
    maxBackoff: duration(remoteWriteQueueDefaults.maxBackoff),
}, "a queue", "a map of queue settings").optional().transform((q) => q ?? { ...remoteWriteQueueDefaults });

const headersSchema = z.record(z.string(), z.unknown(), { error: "expected a map of header name to (secret) value" }).default({})
    .transform((headers, ctx) => Object.fromEntries(Object.entries(headers).map(([name, raw]) => {
        // A value set with --secret that cannot be decrypted here (npm run render) is a placeholder.
        const value = plain(raw);
        const issue = (message: string) => ctx.issues.push({ code: "custom", input: value, path: [name], message });
        if (!headerNamePattern.test(name)) issue("is not an HTTP header name; use letters, digits and -");
        else if (reservedHeaders.includes(name.toLowerCase())) issue(`Prometheus sets ${name} itself; for credentials use {item}.username/password or {item}.bearerToken`);
        if (typeof value !== "string" || value === "") issue("expected a text value; set it with `pulumi config set --secret --path '{item}.headers.<Name>' <value>`");
        return [name, String(value)];
    })));

const itemSchema = item({
    name: checkedText((v) => /^[a-z0-9][a-z0-9-]*$/.test(v), "must be lowercase letters, digits and -"),
    url: url(false),
    queryUrl: url(true),
    username: optionalText,
    password: optionalText,
    bearerToken: optionalText,
    headers: headersSchema,
    queue: queueSchema,
    dropMetrics: list(checkedText((v) => { try { return !!new RegExp(v) && !notRe2.test(v); } catch { return false; } },
        "is not an RE2 regular expression; write it like go_.* or node_scrape_collector_.*")),
    dropLabels: list(checkedText((v) => labelNamePattern.test(v) && !v.startsWith("__") && !["job", "instance", "environment", "host"].includes(v),
        "cannot be dropped; name a label of your own (not job, instance, environment, host or __*)")),
}, "a remote_write target", "an object with name and url");

/** One remoteWrite item: its auth from the fields given, checked together. */
const targetSchema = (withoutSecrets: boolean) => itemSchema.transform((t, ctx): RemoteWriteTarget => {
    const issue = (path: string, message: string) => ctx.issues.push({ code: "custom", input: t, path: [path], message });
    let auth: RemoteWriteAuth = { kind: "none" };
    if (t.bearerToken !== undefined && (t.username !== undefined || t.password !== undefined)) {
        issue("bearerToken", "set either bearerToken or username and password, not both");
    } else if (t.bearerToken !== undefined) {
        auth = { kind: "bearer", token: t.bearerToken };
    } else if (t.username !== undefined || t.password !== undefined) {
        if (t.username === undefined) issue("username", "password is set but username is not; set {item}.username too");
        if (t.password === undefined && !withoutSecrets) {
            issue("password", "username is set but password is not; set it with `pulumi config set --secret --path '{item}.password' <password>`");
        }
        auth = { kind: "basic", username: t.username ?? "", password: t.password ?? "" };
    }
    return {
        name: t.name, url: t.url ?? "", ...(t.queryUrl ? { queryUrl: t.queryUrl } : {}), auth, headers: t.headers, queue: t.queue,
        dropMetrics: t.dropMetrics, dropLabels: t.dropLabels,
    };
});

/** Reads remoteWrite, victoriaMetrics* and grafanaMode/Url/Token. */
export function readRemoteConfig(r: RemoteReader, options: { readonly withoutSecrets?: boolean }): RemoteConfig {
    const remoteWrite = r.parse("remoteWrite", list(targetSchema(options.withoutSecrets === true)), []);
    const victoriaMetrics = {
        enabled: r.boolean("victoriaMetrics", false),
        image: r.image("victoriaMetricsImage", victoriaMetricsDefaults.image),
        memoryMb: r.integer("victoriaMetricsMemoryMb", victoriaMetricsDefaults.memoryMb, 64, 1024 * 1024),
        retention: r.string("victoriaMetricsRetention", victoriaMetricsDefaults.retention),
    };
    r.check(vmRetentionPattern.test(victoriaMetrics.retention),
        `victoriaMetricsRetention: "${victoriaMetrics.retention}" must be a number with h, d, w or y, like 400d or 2y`);
    const names = remoteWrite.map((t) => t.name);
    names.forEach((n, i) => r.check(names.indexOf(n) === i, `remoteWrite[${i}].name: "${n}" is used twice; names must be unique`));
    names.forEach((n, i) => r.check(!(victoriaMetrics.enabled && n === embeddedStoreName),
        `remoteWrite[${i}].name: "${embeddedStoreName}" is the embedded store's (victoriaMetrics: true); pick another name`));

    const mode = r.string("grafanaMode", "embedded") as GrafanaMode;
    r.check(grafanaModes.includes(mode), `grafanaMode: "${mode}" must be embedded (Grafana on the host) or external (an existing Grafana, through its API)`);
    const grafanaUrl = r.optionalString("grafanaUrl");
    const grafanaToken = r.optionalString("grafanaToken");
    let grafana: GrafanaTarget = { mode: "embedded" };
    if (mode === "external") {
        const problem = grafanaUrl === undefined ? "required with grafanaMode external; set it to your Grafana's URL, e.g. https://example.grafana.net" : urlProblem(grafanaUrl, "put the service account's token in grafanaToken (a secret) instead");
        r.check(problem === undefined, `grafanaUrl: ${grafanaUrl === undefined ? "" : `"${grafanaUrl}" `}${problem ?? ""}`);
        r.check(grafanaToken !== undefined || options.withoutSecrets === true,
            "grafanaToken: required with grafanaMode external; create a service account with the Editor role and set its token with `pulumi config set --secret grafanaToken glsa_…`");
        // An external Grafana cannot reach the monitoring host (only the tunnel can): it shows the long-term store.
        r.check(remoteWrite.some((t) => t.queryUrl !== undefined),
            "grafanaMode: external Grafana cannot reach Prometheus on the monitoring host; give a remoteWrite entry a queryUrl (the store's Prometheus-compatible query endpoint) for its dashboards to read");
        grafana = { mode: "external", url: grafanaUrl ?? "", token: grafanaToken ?? "" };
    } else {
        r.check(grafanaUrl === undefined && grafanaToken === undefined, "grafanaUrl: only read with grafanaMode external; remove grafanaUrl and grafanaToken or set grafanaMode: external");
    }
    return { remoteWrite, victoriaMetrics, grafana };
}
