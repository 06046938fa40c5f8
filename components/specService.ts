// One component per service spec (model/services.ts): it places what render/services.ts renders
// for the spec, one container per instance. A configured service (a config directory) gets its
// files staged and swapped in first (configuredService.ts); an exporter gets its files written,
// then its container.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../model/services";
import type { DashboardSource } from "../render/grafana";
import { type RenderedService, renderService, serviceHosts } from "../render/services";
import { dockerAccess } from "../render/swap";
import { serviceDataDir } from "../render/dataVolume";
import { dockerUpgradeSteps, renderUpgradeScript, upgradeDeadlineSeconds } from "../render/upgrade";
import { type ConfiguredService, deployConfiguredService } from "./configuredService";
import type { ServiceContextArgs } from "./context";
import { type HostFile, RemoteFiles } from "./remoteFiles";
import { Service, type ServiceArgs } from "./service";

export interface SpecServiceArgs extends ServiceContextArgs {
    /** Dashboards to provision (Grafana). */
    readonly dashboards?: readonly DashboardSource[];
    /** Files made at deploy time (generated secrets), added to a configured service's release. */
    readonly extraFiles?: readonly HostFile[];
}

/** The container of one rendered instance, in this stack's context. */
function serviceArgs(r: RenderedService, context: ServiceContextArgs): Omit<ServiceArgs, "dependsOn" | "logMaxSize" | "logMaxFiles"> {
    const { spec } = r;
    const hostPort = spec.hostPort?.(context.config);
    return {
        image: r.settings.image,
        names: r.instance.names,
        memoryMb: r.settings.memoryMb,
        command: r.command,
        envs: r.envs,
        publish: hostPort === undefined ? undefined : { containerPort: spec.containerPort, hostPort },
        dataPath: spec.dataPath,
        dataHostDir: serviceDataDir(context.config, spec, r.instance),
        protectData: context.protectData,
        stackNetwork: spec.networks === "host" ? undefined : context.network,
        networks: spec.networks === "stackAndApps" ? context.config.appNetworks : undefined,
        hostNetwork: spec.networks === "host" ? true : undefined,
        hosts: serviceHosts(spec),
        user: spec.setUser ? String(spec.uid) : undefined,
        binds: r.binds,
        healthcheck: r.healthcheck,
        upgrade: {
            shell: context.shell,
            script: renderUpgradeScript({
                service: r.instance.names.container, image: r.settings.image, deadlineSeconds: upgradeDeadlineSeconds,
                steps: dockerUpgradeSteps(context.config, r, spec.configDir ? `${context.config.configRoot}/${spec.configDir.hostDir}` : undefined),
            }),
        },
    };
}

export class SpecService extends pulumi.ComponentResource {
    /** The configured service's files, swap and container (services with a config directory). */
    readonly deployed?: ConfiguredService;
    readonly services: Service[];

    constructor(spec: ServiceSpec, name: string, args: SpecServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`vps-monitoring:stack:${spec.component}`, name, {}, opts);
        const m = args.config;
        const rendered = renderService(m, spec, args.dashboards);
        const configDir = spec.configDir;
        if (configDir) {
            // A configured service runs one container, and its files are released as one.
            if (rendered.length > 1) throw new Error(`${spec.key} has a config directory but ${rendered.length} containers`);
            this.deployed = rendered.map((r) => {
                const swap = r.swap;
                if (!swap) throw new Error(`${spec.key} has a config directory but no swap steps`);
                return deployConfiguredService(this, name, args, {
                    hostDir: configDir.hostDir,
                    files: [...r.files, ...(args.extraFiles ?? [])],
                    service: serviceArgs(r, args),
                    steps: (container) => swap.steps(dockerAccess(container, spec.containerPort), swap.check),
                });
            })[0];
            this.services = this.deployed ? [this.deployed.service] : [];
        } else {
            this.services = rendered.map((r) => {
                const target = r.instance.target;
                // A per-target container always has its files resource, so a password added later adds a file, not a resource.
                const files = target !== undefined || r.files.length > 0
                    ? new RemoteFiles(`${name}-${target ?? "service"}-files`, { shell: args.shell, root: m.configRoot, files: r.files },
                        { parent: this, dependsOn: [args.hostReady] })
                    : undefined;
                return new Service(target === undefined ? `${name}-service` : `${name}-${target}`, {
                    ...serviceArgs(r, args),
                    logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
                    dependsOn: [args.hostReady, ...(files?.commands ?? [])],
                }, { parent: this });
            });
        }
        this.registerOutputs({});
    }
}
