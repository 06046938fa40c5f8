// Everything the rehearsal changes in the rendered configuration, and nothing else: addresses
// (service names and listen addresses → 127.0.0.1:<free port>), container paths in files and in
// the rendered command lines (→ the rehearsal's directory, by the containers' own mounts),
// intervals (scrape/evaluation, per-job scrape interval and timeout, rule `for:` and `keep_firing_for:`,
// group_wait/group_interval/repeat_interval, divided by
// the time scale with a floor of 1s), the three secret-file fields Alertmanager 0.25 rejects (via
// forDebianAlertmanager), trust in the fake SMTP server's self-signed certificate and in the
// probe stand-ins' CA, and the probes' exporter address (their targets are loopback stand-ins already).
// Receiver endpoints are pointed at the fakes earlier, in the config (harness.ts).
import { load } from "js-yaml";
import { builtinJobs, containerPaths } from "../model/catalog";
import { durationMs } from "../config/units";
import { alertmanagerConfigFile } from "../render/alertmanager";
import type { RenderedService } from "../render/services";
import { type RenderedFile, yamlText } from "../render/files";
import { alertmanagerSecrets, forDebianAlertmanager } from "./skew";
import { isRecord, records } from "../model/typeGuards";
import { hostLabelName } from "../render/fleetScrape";
import { probeMetricsPath } from "../render/probes";
import { isLoopbackTarget } from "./probes";

const minimumMs = 1000;

/** `duration` divided by `scale`, at least 1s, in milliseconds. */
export function scaleDurationMs(duration: string, scale: number): number {
    return Math.max(minimumMs, Math.round(durationMs(duration) / scale));
}

function scaledText(duration: unknown, scale: number): unknown {
    return typeof duration === "string" ? `${scaleDurationMs(duration, scale)}ms` : duration;
}

/** Loopback stand-ins for every scrape job, by job name. */
export interface Addresses {
    readonly prometheus: string;
    readonly alertmanager: string;
    readonly byJob: ReadonlyMap<string, string>;
    /** Jobs whose stand-in speaks plain HTTP although the real target may use https. */
    readonly plainHttpJobs: ReadonlySet<string>;
    /**
     * The fleet's jobs (render/fleet.ts): each target moves to the address of its `host` label here
     * (a network namespace standing in for the machine), keeping its port. A fleet target whose
     * host has no stand-in is refused: the rehearsal never scrapes a real machine.
     */
    readonly fleet?: { readonly jobs: ReadonlySet<string>; readonly addressByHost: ReadonlyMap<string, string> };
    /** The blackbox exporter, which the probe jobs ask (when the stack has probes). */
    readonly blackbox?: string;
}

function fleetTarget(job: string, target: unknown, labels: unknown, addressByHost: ReadonlyMap<string, string>): string {
    const host = isRecord(labels) ? labels[hostLabelName] : undefined;
    const address = typeof host === "string" ? addressByHost.get(host) : undefined;
    if (address === undefined) throw new Error(`prometheus.yml: job ${job} target ${String(target)} (host ${String(host)}) has no namespace stand-in`);
    const port = /:(\d+)$/.exec(String(target))?.[1];
    if (port === undefined) throw new Error(`prometheus.yml: job ${job} target ${String(target)} has no port`);
    return `${address}:${port}`;
}

/**
 * A probe job: its targets stay (the harness already moved every probe to a loopback stand-in,
 * rehearsal/probes.ts; anything else is refused here, so nothing beyond 127.0.0.1 is ever probed),
 * and the scrape goes to the local exporter instead of its container.
 */
function rewriteProbeJob(job: Record<string, unknown>, addr: Addresses): void {
    const name = String(job.job_name);
    if (addr.blackbox === undefined) throw new Error(`prometheus.yml: probe job ${name} but no blackbox exporter runs`);
    for (const sc of records(job.static_configs)) {
        for (const target of Array.isArray(sc.targets) ? sc.targets.map(String) : []) {
            if (!isLoopbackTarget(target)) throw new Error(`prometheus.yml: job ${name} would probe ${target}; the rehearsal probes 127.0.0.1 only`);
        }
    }
    const toExporter = records(job.relabel_configs).find((r) => r.target_label === "__address__");
    if (!toExporter) throw new Error(`prometheus.yml: probe job ${name} does not send its scrapes to the exporter`);
    toExporter.replacement = addr.blackbox;
}

export function rewritePrometheus(content: string, addr: Addresses, scale: number, hostDir: string): string {
    const doc = load(content.replaceAll(`${containerPaths.prometheusConfigDir}/`, `${hostDir}/`));
    if (!isRecord(doc) || !isRecord(doc.global)) throw new Error("prometheus.yml is not a mapping with global");
    for (const key of ["scrape_interval", "scrape_timeout", "evaluation_interval"]) doc.global[key] = scaledText(doc.global[key], scale);
    if (isRecord(doc.alerting)) {
        for (const am of records(doc.alerting.alertmanagers)) {
            for (const sc of records(am.static_configs)) sc.targets = [addr.alertmanager];
        }
    }
    for (const job of records(doc.scrape_configs)) {
        for (const key of ["scrape_interval", "scrape_timeout"]) if (job[key] !== undefined) job[key] = scaledText(job[key], scale);
        if (job.metrics_path === probeMetricsPath) {
            rewriteProbeJob(job, addr);
            continue;
        }
        const name = String(job.job_name);
        // Service discovery would ask a real API (Hetzner's) for real addresses.
        const discovery = Object.keys(job).filter((k) => k.endsWith("_sd_configs"));
        if (discovery.length > 0) throw new Error(`prometheus.yml: job ${name} uses ${discovery.join(", ")}; the rehearsal scrapes static targets only`);
        if (addr.fleet?.jobs.has(name)) {
            if (job.scheme === "https") throw new Error(`prometheus.yml: job ${name}: the rehearsal runs no TLS agents`);
            const byHost = addr.fleet.addressByHost;
            for (const sc of records(job.static_configs)) sc.targets = (Array.isArray(sc.targets) ? sc.targets : []).map((t: unknown) => fleetTarget(name, t, sc.labels, byHost));
            continue;
        }
        const target = name === builtinJobs.prometheus ? addr.prometheus : name === builtinJobs.alertmanager ? addr.alertmanager : addr.byJob.get(name);
        if (target === undefined) throw new Error(`prometheus.yml: no loopback stand-in for job ${name}`);
        if (addr.plainHttpJobs.has(name)) job.scheme = "http";
        for (const sc of records(job.static_configs)) sc.targets = [target];
    }
    return yamlText(doc);
}

/** blackbox.yml with every TLS-capable module trusting the rehearsal CA that signed the stand-ins' certificates. */
export function rewriteBlackbox(content: string, caFile: string): string {
    const doc = load(content);
    if (!isRecord(doc) || !isRecord(doc.modules)) throw new Error("blackbox.yml has no modules");
    for (const module of Object.values(doc.modules)) {
        if (!isRecord(module)) continue;
        for (const prober of ["http", "tcp"]) {
            const settings = module[prober];
            if (isRecord(settings)) settings.tls_config = { ...(isRecord(settings.tls_config) ? settings.tls_config : {}), ca_file: caFile };
        }
    }
    return yamlText(doc);
}

export function rewriteRules(content: string, scale: number): string {
    const doc = load(content);
    if (!isRecord(doc)) throw new Error("rule file is not a mapping");
    for (const group of records(doc.groups)) {
        if (group.interval !== undefined) group.interval = scaledText(group.interval, scale);
        for (const rule of records(group.rules)) {
            for (const key of ["for", "keep_firing_for"]) if (rule[key] !== undefined) rule[key] = scaledText(rule[key], scale);
        }
    }
    return yamlText(doc);
}

function scaleRoute(route: Record<string, unknown>, scale: number): void {
    for (const key of ["group_wait", "group_interval", "repeat_interval"]) if (route[key] !== undefined) route[key] = scaledText(route[key], scale);
    for (const child of records(route.routes)) scaleRoute(child, scale);
}

/** alertmanager.yml for Debian's 0.25, scaled; email notifiers trust `smtpCaFile` (the fake's certificate). */
export function rewriteAlertmanager(files: readonly RenderedFile[], scale: number, hostDir: string, smtpCaFile?: string): string {
    const main = files.find((f) => f.path === alertmanagerConfigFile);
    if (!main) throw new Error("no alertmanager.yml rendered");
    const inlined = forDebianAlertmanager(main.content, alertmanagerSecrets(files));
    const doc = load(inlined.replaceAll(`${containerPaths.alertmanagerConfigDir}/`, `${hostDir}/`));
    if (!isRecord(doc) || !isRecord(doc.route)) throw new Error("alertmanager.yml has no route");
    scaleRoute(doc.route, scale);
    for (const receiver of records(doc.receivers)) {
        for (const email of records(receiver.email_configs)) {
            if (smtpCaFile === undefined) throw new Error(`receiver ${String(receiver.name)} sends email but no fake SMTP server runs`);
            email.tls_config = { ...(isRecord(email.tls_config) ? email.tls_config : {}), ca_file: smtpCaFile };
        }
    }
    return yamlText(doc);
}

/** Where a rendered container's paths are on this machine. */
export interface LocalPlaces {
    /** The stack's configRoot, as the rendered mounts name it. */
    readonly configRoot: string;
    /** The rehearsal's stand-in for configRoot. */
    readonly localRoot: string;
    /** The stand-in for the service's data volume. */
    readonly dataDir?: string;
}

/**
 * Container path → path on this machine, from the rendered container's own mounts: a directory
 * below configRoot moves to the rehearsal's copy, a host path (node-exporter's /proc) stays itself,
 * the data volume becomes `dataDir`.
 */
export function localPaths(service: RenderedService, places: LocalPlaces): Map<string, string> {
    const paths = new Map<string, string>();
    for (const b of service.binds) {
        const local = b.hostPath.startsWith(`${places.configRoot}/`) ? `${places.localRoot}${b.hostPath.slice(places.configRoot.length)}` : b.hostPath;
        paths.set(b.containerPath, local);
    }
    if (service.spec.dataPath !== undefined) {
        if (places.dataDir === undefined) throw new Error(`${service.spec.key} keeps data: the rehearsal must give it a directory`);
        paths.set(service.spec.dataPath, places.dataDir);
    }
    return paths;
}

/**
 * A rendered command line as the rehearsal runs it: the listen address on loopback, every flag
 * whose value lies under a mounted container path moved to its local place, every other flag
 * (retention, cluster, collectors) exactly as deployed.
 */
export function rewriteCommand(args: readonly string[], listen: string, paths: ReadonlyMap<string, string>): string[] {
    return args.map((a) => {
        const eq = a.indexOf("=");
        if (eq < 0) return a;
        const flag = a.slice(0, eq);
        const value = a.slice(eq + 1);
        if (flag === "--web.listen-address") return `${flag}=${listen}`;
        for (const [from, to] of paths) {
            if (value === from || value.startsWith(`${from}/`)) return `${flag}=${to}${value.slice(from.length)}`;
        }
        return a;
    });
}
