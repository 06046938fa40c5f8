// prometheus.yml and the Prometheus container's command line, from the validated stack config.
// Pure: config in, file text out. Kept to fields that both the deployed image (3.x) and Debian's
// promtool 2.42 (used by the tests) accept; see skew.ts.
import { containerPaths, containerPorts, containerUids } from "../model/catalog";
import type { AppTarget, MonitoringConfig } from "../model/stack";
import { allServiceSpecs, type ServiceInstance, type ServiceSpec } from "../model/services";
import { hostDirs, renderedHeader, type RenderedFile, yamlText } from "./files";
import { stackNames } from "../model/names";
import { renderRemoteWrite } from "./remoteWrite";
import { fleetScrapeConfigs, ownHostLabels, type FleetScrapeConfig } from "./fleetScrape";
import { hetznerScrapeConfigs, hetznerTokenFiles, type HetznerScrapeConfig } from "./discovery";
import { pagedJobs } from "./rules";
import { probeScrapeConfigs, type ProbeScrapeConfig } from "./probes";

export const prometheusConfigFile = `${hostDirs.prometheus}/prometheus.yml`;
/** Rule files are rendered elsewhere; an empty glob match is fine for Prometheus and promtool. */
export const prometheusRuleGlob = `${containerPaths.prometheusConfigDir}/rules/*.yml`;

interface StaticConfig {
    readonly targets: readonly string[];
    readonly labels?: Readonly<Record<string, string>>;
}

interface ScrapeConfig {
    readonly job_name: string;
    readonly scrape_interval?: string;
    readonly scrape_timeout?: string;
    readonly metrics_path?: string;
    readonly scheme?: string;
    readonly static_configs: readonly StaticConfig[];
}

/** Labels Prometheus attaches to every series and alert it sends out. */
export function externalLabels(m: MonitoringConfig): Record<string, string> {
    return { environment: m.environment, host: m.hostLabel };
}

/** First host address of an IPv4 subnet: Docker's gateway on a user-defined bridge network. */
export function dockerGateway(subnet: string): string {
    const [address, prefixText] = subnet.split("/");
    const prefix = Number(prefixText);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const network = address.split(".").reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0) & mask;
    const gateway = (network + 1) >>> 0;
    return [24, 16, 8, 0].map((shift) => (gateway >>> shift) & 0xff).join(".");
}

/**
 * Address of Alertmanager for Prometheus. Prometheus also joins the apps' networks, where a short
 * name like `alertmanager` could be an app's own container; the container name is unique.
 */
export function alertmanagerTarget(m: MonitoringConfig): string {
    return `${stackNames(m.stack).alertmanager.container}:${containerPorts.alertmanager}`;
}

function appJob(app: AppTarget): ScrapeConfig {
    const hasLabels = Object.keys(app.labels).length > 0;
    return {
        job_name: app.job,
        metrics_path: app.metricsPath,
        scheme: app.scheme,
        static_configs: [hasLabels ? { targets: app.targets, labels: app.labels } : { targets: app.targets }],
    };
}

/** Where Prometheus reaches one container of a service. */
function serviceTarget(m: MonitoringConfig, spec: ServiceSpec, instance: ServiceInstance): string {
    switch (spec.scrapeAddress) {
        case "localhost": return `localhost:${spec.containerPort}`;
        case "container": return `${instance.names.container}:${spec.containerPort}`;
        // node-exporter uses host networking and listens on the monitoring network's gateway only.
        case "gateway": return `${dockerGateway(m.dockerSubnet)}:${spec.containerPort}`;
    }
}

/** One job per container of every service that is on (model/services.ts), then the apps', the fleet's (render/fleetScrape.ts) and the probes' (render/probes.ts). */
function scrapeConfigs(m: MonitoringConfig): (ScrapeConfig | FleetScrapeConfig | HetznerScrapeConfig | ProbeScrapeConfig)[] {
    const services = allServiceSpecs.flatMap((spec) => spec.settings(m) === undefined ? [] : spec.instances(m).map((instance): ScrapeConfig => {
        const targets = [serviceTarget(m, spec, instance)];
        // This machine's node-exporter carries `host` like every fleet host's, so per-host rules and panels include it.
        const labels = spec.key === "nodeExporter" ? { ...instance.labels, ...ownHostLabels(m) } : instance.labels;
        return { job_name: instance.job, static_configs: [labels ? { targets, labels } : { targets }] };
    }));
    // The jobs behind fast-path alerts are scraped on the paging clock (model/paging.ts).
    const paged = pagedJobs(m);
    const fast = { scrape_interval: m.paging.scrapeInterval, scrape_timeout: m.paging.scrapeTimeout };
    return [...services, ...m.apps.map(appJob), ...fleetScrapeConfigs(m), ...hetznerScrapeConfigs(m), ...probeScrapeConfigs(m)]
        .map((job) => (paged.has(job.job_name) ? { ...job, ...fast } : job));
}

export function renderPrometheus(m: MonitoringConfig): RenderedFile[] {
    const remoteWrite = renderRemoteWrite(m);
    const config = {
        global: {
            scrape_interval: m.prometheus.scrapeInterval,
            scrape_timeout: m.prometheus.scrapeTimeout,
            evaluation_interval: m.prometheus.evaluationInterval,
            external_labels: externalLabels(m),
        },
        rule_files: [prometheusRuleGlob],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanagerTarget(m)] }] }] },
        scrape_configs: scrapeConfigs(m),
        ...(remoteWrite.config.length > 0 ? { remote_write: remoteWrite.config } : {}),
    };
    return [{
        path: prometheusConfigFile,
        content: renderedHeader + yamlText(config),
        secret: false,
        owner: containerUids.prometheus,
    }, ...remoteWrite.files, ...hetznerTokenFiles(m)];
}

/** Command-line flags of the Prometheus container. */
export function prometheusCommand(m: MonitoringConfig): string[] {
    return [
        `--config.file=${containerPaths.prometheusConfigDir}/prometheus.yml`,
        `--storage.tsdb.path=${containerPaths.prometheusData}`,
        `--storage.tsdb.retention.time=${m.prometheus.retentionTime}`,
        `--storage.tsdb.retention.size=${m.prometheus.retentionSize}`,
        // No --web.enable-lifecycle: Prometheus sits on the apps' networks, and that flag would let
        // any app container POST /-/quit or /-/reload. Reloads go by SIGHUP (render/swap.ts).
        `--web.listen-address=:${containerPorts.prometheus}`,
        // The backup job's snapshots (render/backup.ts) go through the TSDB admin API.
        ...(m.backup ? ["--web.enable-admin-api"] : []),
    ];
}
