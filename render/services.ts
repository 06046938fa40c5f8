// What each service spec (model/services.ts) renders to for one stack: per container its image,
// command line, environment, healthcheck, files and mounts, and for the configured services the
// swap steps that check and load a new release. Pure: config in, text out. The components place
// these (components/specService.ts), the rehearsal runs the same command lines (rehearsal/harness.ts).
import type { MonitoringConfig, ServiceSettings } from "../model/stack";
import { containerPaths, dockerHostAlias } from "../model/catalog";
import { allServiceSpecs, blackboxExporterDefaults, type ServiceInstance, type ServiceSpec, type SpecKey } from "../model/services";
import { alertmanagerCommand, renderAlertmanager } from "./alertmanager";
import { nodeExporterCommand, nodeExporterHostMounts, redisExporterCommand, renderRedisExporter } from "./exporters";
import { hostDirs, type RenderedFile, secretsDir } from "./files";
import { type DashboardSource, grafanaEnvironment, renderGrafana } from "./grafana";
import { dockerGateway, prometheusCommand, renderPrometheus } from "./prometheus";
import { renderRules } from "./rules";
import { victoriaMetricsCommand } from "./victoriaMetrics";
import { blackboxCheck, blackboxCommand, blackboxSteps, renderBlackboxConfig } from "./probes";
import { textfileDir, textfileMount } from "./backup";
import { alertmanagerSteps, amtoolCheck, grafanaSteps, prometheusSteps, promtoolCheck, type ServiceAccess, type SwapSteps } from "./swap";

/** A host path mounted read-only into a container. */
export interface BindMount {
    readonly hostPath: string;
    readonly containerPath: string;
}

/** How a configured service takes a new release: its checker, and the steps around it. */
export interface ServiceSwap {
    /** The pinned image's own checker, run on the candidate release. */
    readonly check: string;
    steps(access: ServiceAccess, check: string): SwapSteps;
}

/** One container of a service, rendered for one stack. */
export interface RenderedService {
    readonly spec: ServiceSpec;
    readonly instance: ServiceInstance;
    readonly settings: ServiceSettings;
    readonly command?: readonly string[];
    readonly envs?: Readonly<Record<string, string>>;
    /** Shell command run inside the container; exits 0 when healthy. */
    readonly healthcheck: string;
    /** Paths relative to configRoot. */
    readonly files: readonly RenderedFile[];
    /** Read-only mounts, absolute host paths: the config directory first, when the service has one. */
    readonly binds: readonly BindMount[];
    /** Only for services with a config directory. */
    readonly swap?: ServiceSwap;
}

/** The parts of a rendered service that differ by service. */
interface ServiceRenderer {
    command?(m: MonitoringConfig, instance: ServiceInstance): string[];
    envs?(m: MonitoringConfig): Record<string, string>;
    files?(m: MonitoringConfig, instance: ServiceInstance, dashboards: readonly DashboardSource[]): RenderedFile[];
    /** Mounts besides the config directory. */
    binds?(m: MonitoringConfig, instance: ServiceInstance): BindMount[];
    swap?(m: MonitoringConfig): ServiceSwap;
}

function redisTarget(m: MonitoringConfig, instance: ServiceInstance) {
    const target = m.redis.find((r) => r.name === instance.target);
    if (!target) throw new Error(`no redis named ${String(instance.target)}`);
    return target;
}

/** One entry per spec; the compiler refuses a spec without one. */
const renderers: { readonly [K in SpecKey]: ServiceRenderer } = {
    prometheus: {
        command: (m) => prometheusCommand(m),
        files: (m) => [...renderPrometheus(m), ...renderRules(m)],
        swap: (m) => ({ check: promtoolCheck(m.prometheus.image, containerPaths.prometheusConfigDir), steps: prometheusSteps }),
    },
    alertmanager: {
        command: (m) => alertmanagerCommand(m),
        files: (m) => renderAlertmanager(m),
        swap: (m) => ({ check: amtoolCheck(m.alertmanager.image, containerPaths.alertmanagerConfigDir), steps: alertmanagerSteps }),
    },
    grafana: {
        envs: grafanaEnvironment,
        files: (m, _instance, dashboards) => renderGrafana(m, dashboards),
        swap: () => ({ check: "true", steps: (access) => grafanaSteps(access) }),
    },
    nodeExporter: {
        // It listens only on the monitoring network's gateway: off every public interface, reachable by Prometheus.
        command: (m) => nodeExporterCommand(dockerGateway(m.dockerSubnet), m.backup ? textfileMount : undefined),
        binds: (m) => [...nodeExporterHostMounts, ...(m.backup ? [{ hostPath: textfileDir(m), containerPath: textfileMount }] : [])],
    },
    redisExporter: {
        command: (m, instance) => redisExporterCommand(redisTarget(m, instance)),
        files: (m, instance) => renderRedisExporter(redisTarget(m, instance)),
        binds: (m, instance) => redisTarget(m, instance).password === undefined ? [] : [{
            hostPath: `${m.configRoot}/${hostDirs.redisExporter}/${instance.target}/${secretsDir}`,
            containerPath: containerPaths.redisExporterSecretsDir,
        }],
    },
    blackboxExporter: {
        command: () => blackboxCommand(),
        files: (m) => renderBlackboxConfig(m),
        swap: (m) => ({ check: blackboxCheck(m.blackboxExporter?.image ?? blackboxExporterDefaults.image), steps: blackboxSteps }),
    },
    victoriaMetrics: {
        command: (m) => victoriaMetricsCommand(m),
    },
};

/** Where a service answers inside its own network namespace. */
export function serviceListenHost(m: MonitoringConfig, spec: ServiceSpec): string {
    return spec.scrapeAddress === "gateway" ? dockerGateway(m.dockerSubnet) : "127.0.0.1";
}

/** Hosts entries of a container: those on the apps' networks also reach processes on the Docker host. */
export function serviceHosts(spec: ServiceSpec): { host: string; ip: string }[] | undefined {
    return spec.networks === "stackAndApps" ? [{ host: dockerHostAlias, ip: "host-gateway" }] : undefined;
}

/** Every container of one service for this stack (none when it is off). */
export function renderService(m: MonitoringConfig, spec: ServiceSpec, dashboards: readonly DashboardSource[] = []): RenderedService[] {
    const settings = spec.settings(m);
    if (settings === undefined) return [];
    const r: ServiceRenderer = renderers[spec.key];
    return spec.instances(m).map((instance) => ({
        spec, instance, settings,
        command: r.command?.(m, instance),
        envs: r.envs?.(m),
        healthcheck: `wget -q -O /dev/null http://${serviceListenHost(m, spec)}:${spec.containerPort}${spec.healthPath}`,
        files: r.files?.(m, instance, dashboards) ?? [],
        binds: [
            ...(spec.configDir ? [{ hostPath: `${m.configRoot}/${spec.configDir.hostDir}`, containerPath: spec.configDir.mount }] : []),
            ...(r.binds?.(m, instance) ?? []),
        ],
        swap: r.swap?.(m),
    }));
}

/** Every container of the stack, in spec order. */
export function renderServices(m: MonitoringConfig, dashboards: readonly DashboardSource[] = []): RenderedService[] {
    return allServiceSpecs.flatMap((spec) => renderService(m, spec, dashboards));
}

/** The one container of a one-off service; throws when it is off. */
export function renderedSingle(m: MonitoringConfig, spec: ServiceSpec): RenderedService {
    const [one, ...more] = renderService(m, spec);
    if (!one || more.length > 0) throw new Error(`${spec.key} is off or runs more than one container`);
    return one;
}
