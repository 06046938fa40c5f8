// The monitoring stack on one Docker host: its network and every service.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Alertmanager } from "./alertmanager";
import { ServiceContextArgs } from "./context";
import { NodeExporter, RedisExporters } from "./exporters";
import { Grafana } from "./grafana";
import { Prometheus } from "./prometheus";
import { DashboardSource } from "../render/grafana";
import { stackNames } from "../model/names";
import { dockerGateway } from "../render/prometheus";
import { renderRules } from "../render/rules";

export interface MonitoringStackArgs extends Omit<ServiceContextArgs, "network"> {
    readonly dashboards: readonly DashboardSource[];
    /** Grafana admin password (configured or generated). */
    readonly grafanaAdminPassword: pulumi.Input<string>;
}

export class MonitoringStack extends pulumi.ComponentResource {
    readonly network: docker.Network;
    readonly prometheus: Prometheus;
    readonly alertmanager: Alertmanager;
    readonly grafana: Grafana;
    readonly nodeExporter?: NodeExporter;
    readonly redisExporters: RedisExporters;

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
        this.prometheus = new Prometheus(`${name}-prometheus`, { ...context, ruleFiles: renderRules(m) }, child);
        this.alertmanager = new Alertmanager(`${name}-alertmanager`, context, child);
        this.grafana = new Grafana(`${name}-grafana`, { ...context, dashboards: args.dashboards, adminPassword: args.grafanaAdminPassword }, child);
        if (m.nodeExporter.enabled) {
            // It binds to the network's gateway address, which exists once the network does.
            this.nodeExporter = new NodeExporter(`${name}-node-exporter`, { ...context, hostReady: this.network }, child);
        }
        this.redisExporters = new RedisExporters(`${name}-redis`, context, child);
        this.registerOutputs({});
    }
}
