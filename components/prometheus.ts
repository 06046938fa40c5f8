// Prometheus: configuration and rule files on the host, the container, a reload on every change.
import * as pulumi from "@pulumi/pulumi";
import { containerPaths, containerPorts, dockerHostAlias } from "./catalog";
import { ConfiguredService, deployConfiguredService, lifecycleReload } from "./configuredService";
import { ServiceContextArgs } from "./context";
import { hostDirs, RenderedFile } from "./render/files";
import { stackNames } from "./render/names";
import { prometheusCommand, renderPrometheus } from "./render/prometheus";

export interface PrometheusArgs extends ServiceContextArgs {
    /** Rule files (paths below prometheus/rules/), rendered elsewhere. */
    readonly ruleFiles?: readonly RenderedFile[];
}

export class Prometheus extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Prometheus", name, {}, opts);
        const m = args.config;
        const names = stackNames(m.stack).prometheus;
        this.deployed = deployConfiguredService(this, name, args, [...renderPrometheus(m), ...(args.ruleFiles ?? [])], {
            image: m.prometheus.image,
            names,
            memoryMb: m.prometheus.memoryMb,
            command: prometheusCommand(m),
            publish: { containerPort: containerPorts.prometheus, hostPort: m.prometheus.port },
            dataPath: containerPaths.prometheusData,
            protectData: args.protectData,
            binds: [{ hostPath: `${m.configRoot}/${hostDirs.prometheus}`, containerPath: containerPaths.prometheusConfigDir }],
            stackNetwork: args.network,
            networks: m.appNetworks,
            // Processes on the host itself are scraped at host.docker.internal:<port>.
            hosts: [{ host: dockerHostAlias, ip: "host-gateway" }],
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.prometheus}/-/healthy`,
        }, lifecycleReload(names.container, containerPorts.prometheus));
        this.registerOutputs({});
    }
}
