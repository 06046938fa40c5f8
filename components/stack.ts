// The monitoring stack on one Docker host: its network and one component per service spec.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ServiceContextArgs } from "./context";
import { Backup } from "./backup";
import { Grafana } from "./grafana";
import type { HostFile } from "./remoteFiles";
import { SpecService } from "./specService";
import { DashboardSource } from "../render/grafana";
import { stackNames } from "../model/names";
import { allServiceSpecs, type SpecKey } from "../model/services";
import { dockerGateway } from "../render/prometheus";

export interface MonitoringStackArgs extends Omit<ServiceContextArgs, "network"> {
    readonly dashboards: readonly DashboardSource[];
    /** Grafana admin password (configured or generated). */
    readonly grafanaAdminPassword: pulumi.Input<string>;
    /** Files made at deploy time for Prometheus' release (the fleet's scrape credentials). */
    readonly prometheusFiles?: readonly HostFile[];
}

export class MonitoringStack extends pulumi.ComponentResource {
    readonly network: docker.Network;
    /** One component per service that is on (and per per-target service, even with no target). */
    readonly services: Partial<Record<SpecKey, SpecService>>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:MonitoringStack", name, {}, opts);
        const m = args.config;
        this.network = new docker.Network(`${name}-network`, {
            name: stackNames(m.stack).network,
            driver: "bridge",
            ipamConfigs: [{ subnet: m.dockerSubnet, gateway: dockerGateway(m.dockerSubnet) }],
        }, {
            parent: this,
            dependsOn: [args.hostReady],
            // A replacement cannot be created beside the old network: its subnet is still taken.
            deleteBeforeReplace: true,
        });
        const context: ServiceContextArgs = { ...args, network: this.network.name };
        const child = { parent: this };
        const services: Partial<Record<SpecKey, SpecService>> = {};
        for (const spec of allServiceSpecs) {
            if (!spec.perTarget && spec.settings(m) === undefined) continue;
            const componentName = `${name}-${spec.resourceName}`;
            services[spec.key] = spec.key === "grafana"
                ? new Grafana(componentName, { ...context, dashboards: args.dashboards, adminPassword: args.grafanaAdminPassword }, child)
                // A service on the host network binds to the stack network's gateway address, which exists once the network does.
                : new SpecService(spec, componentName, {
                    ...context,
                    hostReady: spec.networks === "host" ? this.network : context.hostReady,
                    extraFiles: spec.key === "prometheus" ? args.prometheusFiles : undefined,
                }, child);
        }
        this.services = services;
        if (m.backup) new Backup(`${name}-backup`, { config: m, shell: args.shell, hostReady: args.hostReady }, child);
        this.registerOutputs({});
    }
}
