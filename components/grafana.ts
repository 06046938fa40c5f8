// Grafana: provisioned datasources and dashboards, no anonymous access, admin password from a
// Pulumi secret that really takes effect when it changes.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { containerPaths, containerPorts, containerUids } from "./catalog";
import { ServiceContextArgs } from "./context";
import { RemoteFiles, retryingCommand, shellQuote } from "./remoteFiles";
import { hostDirs, secretsDir } from "./render/files";
import { DashboardSource, grafanaEnvironment, renderDatasources, renderGrafana } from "./render/grafana";
import { Service } from "./service";

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
    readonly service: Service;
    readonly files: RemoteFiles;
    readonly passwordReset: command.remote.Command;
    readonly datasourceReload: command.remote.Command;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Grafana", name, {}, opts);
        const m = args.config;
        const hostDir = `${m.configRoot}/${hostDirs.grafana}`;
        const password = pulumi.secret(args.adminPassword);
        this.files = new RemoteFiles(`${name}-files`, {
            connection: args.connection, root: m.configRoot,
            files: [
                ...renderGrafana(m, args.dashboards),
                { path: `${hostDirs.grafana}/${secretsDir}/admin_password`, content: password, secret: true, owner: containerUids.grafana },
            ],
        }, { parent: this, dependsOn: [args.hostReady] });
        this.service = new Service(`${name}-service`, {
            image: m.grafana.image,
            containerName: "grafana",
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
            networks: [args.network],
            healthcheck: `wget -q -O /dev/null http://127.0.0.1:${containerPorts.grafana}/api/health`,
            logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
            dependsOn: this.files.commands,
        }, { parent: this });
        // Grafana reads its admin password setting only when it creates its database; after that
        // the volume wins. Resetting through the CLI whenever the password changes makes config true.
        this.passwordReset = new command.remote.Command(`${name}-admin-password`, {
            connection: args.connection,
            // stdin is read once: every retry must get the password again.
            create: `pw=$(cat); ${retryingCommand(`printf '%s\\n' "$pw" | docker exec -i grafana grafana cli admin reset-admin-password --password-from-stdin >/dev/null`)}`,
            stdin: password,
            triggers: [password],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.service] });
        // Datasource provisioning is read at start-up only; dashboards are polled by Grafana itself.
        this.datasourceReload = new command.remote.Command(`${name}-datasource-reload`, {
            connection: args.connection,
            create: retryingCommand(`docker exec grafana sh -c ${shellQuote(datasourceReloadScript)}`),
            triggers: [renderDatasources(m).content],
            logging: "stderr",
        }, { parent: this, dependsOn: [this.passwordReset, ...this.files.commands] });
        this.registerOutputs({});
    }
}
