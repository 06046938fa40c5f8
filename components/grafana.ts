// Grafana: provisioned datasources and dashboards, no anonymous access, admin password from a
// Pulumi secret that really takes effect when it changes. Its files are swapped in by the swap
// script, which restarts Grafana when they change (datasource provisioning is read at start-up
// only) and rolls back when Grafana does not come back healthy.
import * as pulumi from "@pulumi/pulumi";
import { configMounts, containerPaths, containerPorts, containerUids } from "../model/catalog";
import { ServiceContextArgs } from "./context";
import { ConfiguredService, deployConfiguredService } from "./configuredService";
import { hostCommand } from "./hostShell";
import { passwordResetCommand } from "../render/hostCommands";
import { hostDirs, secretsDir } from "../render/files";
import { stackNames } from "../model/names";
import { DashboardSource, grafanaEnvironment, renderGrafana } from "../render/grafana";
import { dockerAccess, grafanaSteps } from "../render/swap";

export interface GrafanaArgs extends ServiceContextArgs {
    /** Dashboards to provision (from dashboards/). */
    readonly dashboards: readonly DashboardSource[];
    /** Admin password (configured or generated); always handled as a secret. */
    readonly adminPassword: pulumi.Input<string>;
}

export class Grafana extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;
    readonly passwordReset: pulumi.CustomResource;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Grafana", name, {}, opts);
        const m = args.config;
        const password = pulumi.secret(args.adminPassword);
        this.deployed = deployConfiguredService(this, name, args, {
            hostDir: hostDirs.grafana,
            mount: configMounts.grafana,
            files: [
                ...renderGrafana(m, args.dashboards),
                { path: `${hostDirs.grafana}/${secretsDir}/admin_password`, content: password, secret: true, owner: containerUids.grafana },
            ],
            service: {
                image: m.grafana.image,
                names: stackNames(m.stack).grafana,
                memoryMb: m.grafana.memoryMb,
                envs: grafanaEnvironment(m),
                publish: { containerPort: containerPorts.grafana, hostPort: m.grafana.port },
                dataPath: containerPaths.grafanaData,
                protectData: args.protectData,
                stackNetwork: args.network,
                healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.grafana}/api/health`,
            },
            steps: (container) => grafanaSteps(dockerAccess(container, containerPorts.grafana)),
        });
        // Grafana reads its admin password setting only when it creates its database; after that
        // the volume wins. Resetting through the CLI whenever the password changes makes config true.
        this.passwordReset = hostCommand(`${name}-admin-password`, args.shell, {
            // stdin is read once: every retry must get the password again.
            create: passwordResetCommand(this.deployed.containerName),
            stdin: password,
            triggers: [password],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.deployed.service] });
        this.registerOutputs({});
    }
}
