// Grafana: provisioned datasources and dashboards, no anonymous access, admin password from a
// Pulumi secret that really takes effect when it changes.
import * as pulumi from "@pulumi/pulumi";
import { containerPaths, containerPorts, containerUids } from "./catalog";
import { ServiceContextArgs } from "./context";
import { ConfiguredService, deployConfiguredService } from "./configuredService";
import { hostCommand } from "./hostShell";
import { retryingCommand, shellQuote } from "./remoteFiles";
import { hostDirs, secretsDir } from "./render/files";
import { stackNames } from "./render/names";
import { DashboardSource, grafanaEnvironment, renderDatasources, renderGrafana } from "./render/grafana";

/** Runs inside the container, where the admin user and password file are in the environment. */
const datasourceReloadScript = 'auth=$(printf "%s:%s" "$GF_SECURITY_ADMIN_USER" "$(cat "$GF_SECURITY_ADMIN_PASSWORD__FILE")" | base64 | tr -d "\\n"); ' +
    `wget -q -O /dev/null --post-data= --header "Authorization: Basic $auth" http://127.0.0.1:${containerPorts.grafana}/api/admin/provisioning/datasources/reload`;

export interface GrafanaArgs extends ServiceContextArgs {
    /** Dashboards to provision (from dashboards/). */
    readonly dashboards: readonly DashboardSource[];
    /** Admin password (configured or generated); always handled as a secret. */
    readonly adminPassword: pulumi.Input<string>;
}

export class Grafana extends pulumi.ComponentResource {
    readonly deployed: ConfiguredService;
    readonly passwordReset: pulumi.CustomResource;
    readonly datasourceReload: pulumi.CustomResource;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Grafana", name, {}, opts);
        const m = args.config;
        const hostDir = `${m.configRoot}/${hostDirs.grafana}`;
        const password = pulumi.secret(args.adminPassword);
        const names = stackNames(m.stack).grafana;
        const container = shellQuote(names.container);
        this.deployed = deployConfiguredService(this, name, args, [
            ...renderGrafana(m, args.dashboards),
            { path: `${hostDirs.grafana}/${secretsDir}/admin_password`, content: password, secret: true, owner: containerUids.grafana },
        ], {
            image: m.grafana.image,
            names,
            memoryMb: m.grafana.memoryMb,
            envs: grafanaEnvironment(m),
            publish: { containerPort: containerPorts.grafana, hostPort: m.grafana.port },
            dataPath: containerPaths.grafanaData,
            protectData: args.protectData,
            binds: [
                { hostPath: `${hostDir}/provisioning`, containerPath: containerPaths.grafanaProvisioningDir },
                { hostPath: `${hostDir}/dashboards`, containerPath: containerPaths.grafanaDashboardsDir },
                { hostPath: `${hostDir}/${secretsDir}`, containerPath: containerPaths.grafanaSecretsDir },
            ],
            stackNetwork: args.network,
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.grafana}/api/health`,
        });
        // Grafana reads its admin password setting only when it creates its database; after that
        // the volume wins. Resetting through the CLI whenever the password changes makes config true.
        this.passwordReset = hostCommand(`${name}-admin-password`, args.shell, {
            // stdin is read once: every retry must get the password again.
            create: `pw=$(cat); ${retryingCommand(`printf '%s\\n' "$pw" | docker exec -i ${container} grafana cli admin reset-admin-password --password-from-stdin >/dev/null`)}`,
            stdin: password,
            triggers: [password],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.deployed.service] });
        // Datasource provisioning is read at start-up only; dashboards are polled by Grafana itself.
        this.datasourceReload = hostCommand(`${name}-datasource-reload`, args.shell, {
            create: retryingCommand(`docker exec ${container} sh -c ${shellQuote(datasourceReloadScript)}`),
            triggers: [renderDatasources(m).content],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.passwordReset, ...this.deployed.files.commands] });
        this.registerOutputs({});
    }
}
