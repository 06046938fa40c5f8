// Outside-in probes (model/probes.ts) as the blackbox exporter and Prometheus run them: one
// blackbox module per probe (its kind's options), one scrape job per probe kind that asks the
// exporter to probe each target, and the `probes` rule group. Pure: config in, text out.
import { containerPaths, containerPorts, containerUids, hostDirs, probeJob, probeJobPattern } from "../model/catalog";
import type { AlertThresholds } from "../model/alerts";
import { stackNames } from "../model/names";
import type { Probe, ProbeKind } from "../model/probes";
import { serviceSpecs } from "../model/services";
import type { MonitoringConfig } from "../model/stack";
import { renderedHeader, type RenderedFile, yamlText } from "./files";
import { rangeSelector, re, selector } from "./promql";
import { fastPath } from "./fastPath";
import type { AlertRule, RuleGroup } from "./rules";
import { imageCheck, type ServiceAccess, type SwapSteps } from "./swap";

export const blackboxConfigName = "blackbox.yml";
export const blackboxConfigFile = `${hostDirs.blackboxExporter}/${blackboxConfigName}`;


/**
 * How far back the certificate alerts look for the last expiry date seen: a probe whose handshake
 * fails (an expired certificate fails verification) reports no date, and TlsCertificateExpired
 * keeps firing on the last one for this long (ProbeFailed fires as well).
 */
export const certificateLookback = "1h";

/** The blackbox module of a probe: named after it (names are unique). */
export function probeModule(p: Pick<Probe, "name">): string {
    return p.name;
}

/** What the exporter is asked to probe: the URL, host:port, host or resolver. */
export function probeTarget(p: Probe): string {
    switch (p.kind) {
        case "http": return p.url;
        case "tcp": return p.target;
        case "icmp": return p.host;
        case "dns": return p.server;
    }
}

// The container has IPv4 only (Docker's default bridge network): resolve A records first, AAAA
// only as a fallback, or a dual-stack target would fail from here although it is up.
const ip4 = { preferred_ip_protocol: "ip4" } as const;

function moduleOf(p: Probe): Record<string, unknown> {
    switch (p.kind) {
        case "http": return {
            prober: "http",
            http: {
                ...ip4,
                ...(p.validStatusCodes.length > 0 ? { valid_status_codes: [...p.validStatusCodes] } : {}),
                ...(p.bodyRegex === undefined ? {} : { fail_if_body_not_matches_regexp: [p.bodyRegex] }),
                // An https URL redirected to plain http is a failure, not a pass.
                ...(p.url.startsWith("https:") ? { fail_if_not_ssl: true } : {}),
            },
        };
        case "tcp": return { prober: "tcp", tcp: { ...ip4, ...(p.tls ? { tls: true } : {}) } };
        case "icmp": return { prober: "icmp", icmp: { ...ip4 } };
        case "dns": return { prober: "dns", dns: { ...ip4, query_name: p.queryName, query_type: p.queryType } };
    }
}

/** blackbox.yml: one module per probe; kept to keys both 0.27 (deployed) and Debian's 0.23 (rehearsed) read. */
export function renderBlackboxConfig(m: MonitoringConfig): RenderedFile[] {
    const modules = Object.fromEntries(m.probes.map((p) => [probeModule(p), moduleOf(p)]));
    return [{ path: blackboxConfigFile, content: renderedHeader + yamlText({ modules }), secret: false, owner: containerUids.blackboxExporter }];
}

/** The exporter's address on the stack's network, where Prometheus asks it to probe. */
export function blackboxAddress(m: MonitoringConfig): string {
    const spec = serviceSpecs.blackboxExporter;
    return `${spec.names(stackNames(m.stack), "").container}:${spec.containerPort}`;
}

export interface ProbeScrapeConfig {
    readonly job_name: string;
    readonly scrape_interval?: string;
    readonly metrics_path: string;
    readonly static_configs: readonly { readonly targets: readonly string[]; readonly labels: Readonly<Record<string, string>> }[];
    readonly relabel_configs: readonly Readonly<Record<string, unknown>>[];
}

/** Where the exporter answers a probe request. */
export const probeMetricsPath = "/probe";

/** The label every probe's series carries: its name. */
export const probeLabel = "probe";

/**
 * One job per probe kind in use. Each probe is a target whose `__param_module` picks its module;
 * the standard relabelling moves the target into `?target=` and `instance`, and sends the scrape
 * to the exporter.
 */
export function probeScrapeConfigs(m: MonitoringConfig): ProbeScrapeConfig[] {
    const kinds = [...new Set(m.probes.map((p) => p.kind))] as ProbeKind[];
    return kinds.map((kind) => ({
        job_name: probeJob(kind),
        metrics_path: probeMetricsPath,
        static_configs: m.probes.filter((p) => p.kind === kind).map((p) => ({
            targets: [probeTarget(p)],
            labels: { ...p.labels, [probeLabel]: p.name, __param_module: probeModule(p) },
        })),
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: blackboxAddress(m) },
        ],
    }));
}

/** Command line of the exporter: its modules through the swapped `current` release. */
export function blackboxCommand(): string[] {
    return [
        `--config.file=${containerPaths.blackboxExporterConfigDir}/${blackboxConfigName}`,
        `--web.listen-address=:${containerPorts.blackboxExporter}`,
    ];
}

/** The image's own checker: `--config.check` parses the modules (regexes included) and exits. */
export function blackboxCheck(image: string): string {
    return imageCheck(image, "/bin/blackbox_exporter", containerPaths.blackboxExporterConfigDir,
        ["--config.check", `--config.file=${containerPaths.blackboxExporterConfigDir}/${blackboxConfigName}`], containerUids.blackboxExporter);
}

/** Like Alertmanager: SIGHUP re-reads the modules; its metrics say whether the last reload worked, and when. */
export function blackboxSteps(access: ServiceAccess, check: string): SwapSteps {
    return {
        check, running: access.running, needsReload: "true", reload: access.hangUp,
        status: `${access.get("/metrics")} | awk '$1 == "blackbox_exporter_config_last_reload_successful" { ok = $2 } $1 == "blackbox_exporter_config_last_reload_success_timestamp_seconds" { at = $2 } END { print (ok == "1" ? "ok" : "failed"), at }'`,
        healthy: `${access.get("/-/healthy")} >/dev/null`, logs: access.logs,
    };
}

// --- rules --------------------------------------------------------------------------------------

const ofProbes = re("job", probeJobPattern);
/** The last expiry date seen of the earliest certificate of the probe's chain (unix time). */
const lastExpiry = `last_over_time(${rangeSelector(certificateLookback, "probe_ssl_earliest_cert_expiry", ofProbes)})`;
/** Seconds until it expires, and since it expired. */
const certificateSecondsLeft = `${lastExpiry} - time()`;
const certificateSecondsExpired = `time() - ${lastExpiry}`;
const secondsPerDay = 86400;

function certificateExpiring(severity: "warning" | "critical", within: number): AlertRule {
    return {
        // `< within days > 0`: expiring within `within` days, not yet expired (TlsCertificateExpired takes over then).
        alert: "TlsCertificateExpiringSoon", expr: `${certificateSecondsLeft} < ${within} * ${secondsPerDay} > 0`, severity, threshold: `expires within ${within} days`,
        summary: "The TLS certificate of {{ $labels.instance }} expires soon",
        description: `The certificate probe {{ $labels.probe }} sees at {{ $labels.instance }} expires in {{ $value | humanizeDuration }} (${severity} below ${within} days); renew it.`,
    };
}

/** The `probes` group: its own group, so the paging path can give ProbeFailed its own evaluation interval. */
export function probesGroup(m: MonitoringConfig, t: AlertThresholds): RuleGroup {
    // ProbeFailed pages on the fast path: its jobs are scraped, and it is evaluated, on the paging clock.
    const paging = fastPath(m, probeScrapeConfigs(m).map((j) => j.job_name));
    return {
        name: "probes",
        rules: [
            {
                alert: "ProbeFailed", expr: `${selector("probe_success", ofProbes)} == 0`, ...paging, severity: "critical",
                threshold: `probe_success == 0 for ${paging.for}`,
                summary: "Probe {{ $labels.probe }} fails: {{ $labels.instance }} is down for its users",
                description: `The {{ $labels.job }} probe {{ $labels.probe }} of {{ $labels.instance }} has failed for more than ${paging.for} (probe_success = {{ $value }}): no answer, a refused connection, an unexpected status or body, or an untrusted certificate.`,
            },
            {
                alert: "ProbeSlow", for: "5m", severity: "warning", threshold: `> ${t.probeSlowSeconds}s on average over 5m`,
                expr: `avg_over_time(${rangeSelector("5m", "probe_duration_seconds", ofProbes)}) > ${t.probeSlowSeconds} and ${selector("probe_success", ofProbes)} == 1`,
                summary: "Probe {{ $labels.probe }} is slow",
                description: `The {{ $labels.job }} probe {{ $labels.probe }} of {{ $labels.instance }} took {{ $value | humanizeDuration }} on average over 5 minutes (threshold ${t.probeSlowSeconds}s).`,
            },
            certificateExpiring("warning", t.tlsCertExpiryWarningDays),
            certificateExpiring("critical", t.tlsCertExpiryCriticalDays),
            {
                alert: "TlsCertificateExpired", expr: `${certificateSecondsExpired} >= 0`, severity: "critical", threshold: "expiry date passed",
                summary: "The TLS certificate of {{ $labels.instance }} has expired",
                description: `The certificate probe {{ $labels.probe }} last saw at {{ $labels.instance }} expired {{ $value | humanizeDuration }} ago; clients refuse the connection, and ProbeFailed fires while verification fails.`,
            },
        ],
    };
}
