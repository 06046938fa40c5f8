// Prometheus: configuration files on the host, the container, and a reload on every change.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { containerPaths, containerPorts, dockerHostAlias } from "./catalog";
import { ServiceContextArgs } from "./context";
import { RemoteFiles, retryingCommand } from "./remoteFiles";
import { hostDirs, RenderedFile } from "./render/files";
import { prometheusCommand, renderPrometheus } from "./render/prometheus";
import { Service } from "./service";

export interface PrometheusArgs extends ServiceContextArgs {
    /** Rule files (paths below prometheus/rules/), rendered elsewhere. */
    readonly ruleFiles?: readonly RenderedFile[];
}

/** Reload through the lifecycle API inside the container: a bad config fails `pulumi up` loudly. */
export function lifecycleReload(containerName: string, port: number): string {
    return retryingCommand(`docker exec ${containerName} wget -q -O /dev/null --post-data= http://127.0.0.1:${port}/-/reload`);
}

export class Prometheus extends pulumi.ComponentResource {
    readonly service: Service;
    readonly files: RemoteFiles;
    readonly reload: command.remote.Command;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Prometheus", name, {}, opts);
        const m = args.config;
        const hostDir = `${m.configRoot}/${hostDirs.prometheus}`;
        this.files = new RemoteFiles(`${name}-files`, {
            connection: args.connection, root: m.configRoot,
            files: [...renderPrometheus(m), ...(args.ruleFiles ?? [])],
        }, { parent: this, dependsOn: [args.hostReady] });
        this.service = new Service(`${name}-service`, {
            image: m.prometheus.image,
            containerName: "prometheus",
            memoryMb: m.prometheus.memoryMb,
            command: prometheusCommand(m),
            publish: { containerPort: containerPorts.prometheus, hostPort: m.prometheus.port },
            dataPath: containerPaths.prometheusData,
            protectData: args.protectData,
            binds: [{ hostPath: hostDir, containerPath: containerPaths.prometheusConfigDir }],
            networks: [args.network, ...m.appNetworks],
            // Processes on the host itself are scraped at host.docker.internal:<port>.
            hosts: [{ host: dockerHostAlias, ip: "host-gateway" }],
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.prometheus}/-/healthy`,
            logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
            dependsOn: this.files.commands,
        }, { parent: this });
        this.reload = new command.remote.Command(`${name}-reload`, {
            connection: args.connection,
            create: lifecycleReload("prometheus", containerPorts.prometheus),
            triggers: [this.files.digest],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.service] });
        this.registerOutputs({});
    }
}
