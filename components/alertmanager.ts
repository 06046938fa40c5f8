// Alertmanager: routes and receivers from config, credentials in *_file secrets, reload on change.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { containerPaths, containerPorts } from "./catalog";
import { ServiceContextArgs } from "./context";
import { lifecycleReload } from "./prometheus";
import { RemoteFiles } from "./remoteFiles";
import { hostDirs } from "./render/files";
import { alertmanagerCommand, renderAlertmanager } from "./render/alertmanager";
import { Service } from "./service";

export class Alertmanager extends pulumi.ComponentResource {
    readonly service: Service;
    readonly files: RemoteFiles;
    readonly reload: command.remote.Command;

    constructor(name: string, args: ServiceContextArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Alertmanager", name, {}, opts);
        const m = args.config;
        this.files = new RemoteFiles(`${name}-files`, {
            connection: args.connection, root: m.configRoot, files: renderAlertmanager(m),
        }, { parent: this, dependsOn: [args.hostReady] });
        this.service = new Service(`${name}-service`, {
            image: m.alertmanager.image,
            containerName: "alertmanager",
            memoryMb: m.alertmanager.memoryMb,
            command: alertmanagerCommand(m),
            publish: { containerPort: containerPorts.alertmanager, hostPort: m.alertmanager.port },
            dataPath: containerPaths.alertmanagerData,
            protectData: args.protectData,
            binds: [{ hostPath: `${m.configRoot}/${hostDirs.alertmanager}`, containerPath: containerPaths.alertmanagerConfigDir }],
            networks: [args.network],
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.alertmanager}/-/healthy`,
            logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
            dependsOn: this.files.commands,
        }, { parent: this });
        this.reload = new command.remote.Command(`${name}-reload`, {
            connection: args.connection,
            create: lifecycleReload("alertmanager", containerPorts.alertmanager),
            triggers: [this.files.digest],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.service] });
        this.registerOutputs({});
    }
}
