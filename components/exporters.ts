// node-exporter for the host and one redis_exporter per configured Redis.
import * as pulumi from "@pulumi/pulumi";
import { containerPaths, containerPorts, containerUids, dockerHostAlias } from "../model/catalog";
import { ServiceContextArgs } from "./context";
import { RemoteFiles } from "./remoteFiles";
import { hostDirs, secretsDir } from "../render/files";
import { nodeExporterCommand, nodeExporterHostMounts, redisExporterCommand, renderRedisExporter } from "../render/exporters";
import { stackNames } from "../model/names";
import { dockerGateway } from "../render/prometheus";
import { Service } from "./service";

export class NodeExporter extends pulumi.ComponentResource {
    readonly service: Service;

    constructor(name: string, args: ServiceContextArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:NodeExporter", name, {}, opts);
        const m = args.config;
        // Host networking gives real interface metrics; listening on the monitoring network's
        // gateway keeps it off every public interface while Prometheus can still reach it.
        const listen = dockerGateway(m.dockerSubnet);
        this.service = new Service(`${name}-service`, {
            image: m.nodeExporter.image,
            names: stackNames(m.stack).nodeExporter,
            memoryMb: m.nodeExporter.memoryMb,
            command: nodeExporterCommand(listen),
            hostNetwork: true,
            user: String(containerUids.nodeExporter),
            binds: [...nodeExporterHostMounts],
            healthcheck: `wget -q -O /dev/null http://${listen}:${containerPorts.nodeExporter}/metrics`,
            logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
            dependsOn: [args.hostReady],
        }, { parent: this });
        this.registerOutputs({});
    }
}

export class RedisExporters extends pulumi.ComponentResource {
    readonly services: Service[];

    constructor(name: string, args: ServiceContextArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:RedisExporters", name, {}, opts);
        const m = args.config;
        this.services = m.redis.map((target) => {
            const files = new RemoteFiles(`${name}-${target.name}-files`, {
                shell: args.shell, root: m.configRoot, files: renderRedisExporter(target),
            }, { parent: this, dependsOn: [args.hostReady] });
            return new Service(`${name}-${target.name}`, {
                image: m.redisExporter.image,
                names: stackNames(m.stack).redisExporter(target.name),
                memoryMb: m.redisExporter.memoryMb,
                command: redisExporterCommand(target),
                binds: target.password === undefined ? [] : [{
                    hostPath: `${m.configRoot}/${hostDirs.redisExporter}/${target.name}/${secretsDir}`,
                    containerPath: containerPaths.redisExporterSecretsDir,
                }],
                stackNetwork: args.network,
                networks: m.appNetworks,
                hosts: [{ host: dockerHostAlias, ip: "host-gateway" }],
                healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.redisExporter}/health`,
                logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
                dependsOn: [args.hostReady, ...files.commands],
            }, { parent: this });
        });
        this.registerOutputs({});
    }
}
