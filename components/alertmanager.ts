// Alertmanager: routes and receivers from config, credentials in *_file secrets, reload on change.
import * as pulumi from "@pulumi/pulumi";
import { containerPaths, containerPorts } from "./catalog";
import { ConfiguredService, deployConfiguredService, lifecycleReload } from "./configuredService";
import { ServiceContextArgs } from "./context";
import { hostDirs } from "./render/files";
import { stackNames } from "./render/names";
import { alertmanagerCommand, renderAlertmanager } from "./render/alertmanager";

export class Alertmanager extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;

    constructor(name: string, args: ServiceContextArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Alertmanager", name, {}, opts);
        const m = args.config;
        const names = stackNames(m.stack).alertmanager;
        this.deployed = deployConfiguredService(this, name, args, renderAlertmanager(m), {
            image: m.alertmanager.image,
            names,
            memoryMb: m.alertmanager.memoryMb,
            command: alertmanagerCommand(m),
            publish: { containerPort: containerPorts.alertmanager, hostPort: m.alertmanager.port },
            dataPath: containerPaths.alertmanagerData,
            protectData: args.protectData,
            binds: [{ hostPath: `${m.configRoot}/${hostDirs.alertmanager}`, containerPath: containerPaths.alertmanagerConfigDir }],
            stackNetwork: args.network,
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.alertmanager}/-/healthy`,
        }, lifecycleReload(names.container, containerPorts.alertmanager));
        this.registerOutputs({});
    }
}
