// Prometheus: configuration and rule files on the host, checked by the image's promtool and
// swapped in by the swap script, which reloads Prometheus with SIGHUP.
import * as pulumi from "@pulumi/pulumi";
import { configMounts, containerPaths, containerPorts, dockerHostAlias } from "../model/catalog";
import { ConfiguredService, deployConfiguredService } from "./configuredService";
import { ServiceContextArgs } from "./context";
import { hostDirs, RenderedFile } from "../render/files";
import { stackNames } from "../model/names";
import { prometheusCommand, renderPrometheus } from "../render/prometheus";
import { dockerAccess, prometheusSteps, promtoolCheck } from "../render/swap";

export interface PrometheusArgs extends ServiceContextArgs {
    /** Rule files (paths below prometheus/rules/), rendered elsewhere. */
    readonly ruleFiles?: readonly RenderedFile[];
}

export class Prometheus extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Prometheus", name, {}, opts);
        const m = args.config;
        this.deployed = deployConfiguredService(this, name, args, {
            hostDir: hostDirs.prometheus,
            mount: configMounts.prometheus,
            files: [...renderPrometheus(m), ...(args.ruleFiles ?? [])],
            service: {
                image: m.prometheus.image,
                names: stackNames(m.stack).prometheus,
                memoryMb: m.prometheus.memoryMb,
                command: prometheusCommand(m),
                publish: { containerPort: containerPorts.prometheus, hostPort: m.prometheus.port },
                dataPath: containerPaths.prometheusData,
                protectData: args.protectData,
                stackNetwork: args.network,
                networks: m.appNetworks,
                // Processes on the host itself are scraped at host.docker.internal:<port>.
                hosts: [{ host: dockerHostAlias, ip: "host-gateway" }],
                healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.prometheus}/-/healthy`,
            },
            steps: (container) => prometheusSteps(dockerAccess(container, containerPorts.prometheus),
                promtoolCheck(m.prometheus.image, containerPaths.prometheusConfigDir)),
        });
        this.registerOutputs({});
    }
}
