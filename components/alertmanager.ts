// Alertmanager: routes and receivers from config, credentials in *_file secrets, checked by the
// image's amtool and swapped in by the swap script, which reloads Alertmanager with SIGHUP.
import * as pulumi from "@pulumi/pulumi";
import { configMounts, containerPaths, containerPorts } from "../model/catalog";
import { ConfiguredService, deployConfiguredService } from "./configuredService";
import { ServiceContextArgs } from "./context";
import { hostDirs } from "../render/files";
import { stackNames } from "../model/names";
import { alertmanagerCommand, renderAlertmanager } from "../render/alertmanager";
import { alertmanagerSteps, amtoolCheck, dockerAccess } from "../render/swap";

export class Alertmanager extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;

    constructor(name: string, args: ServiceContextArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Alertmanager", name, {}, opts);
        const m = args.config;
        this.deployed = deployConfiguredService(this, name, args, {
            hostDir: hostDirs.alertmanager,
            mount: configMounts.alertmanager,
            files: renderAlertmanager(m),
            service: {
                image: m.alertmanager.image,
                names: stackNames(m.stack).alertmanager,
                memoryMb: m.alertmanager.memoryMb,
                command: alertmanagerCommand(m),
                publish: { containerPort: containerPorts.alertmanager, hostPort: m.alertmanager.port },
                dataPath: containerPaths.alertmanagerData,
                protectData: args.protectData,
                stackNetwork: args.network,
                healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.alertmanager}/-/healthy`,
            },
            steps: (container) => alertmanagerSteps(dockerAccess(container, containerPorts.alertmanager),
                amtoolCheck(m.alertmanager.image, containerPaths.alertmanagerConfigDir)),
        });
        this.registerOutputs({});
    }
}
