// Grafana: its spec's provisioned datasources and dashboards (no anonymous access), plus the admin
// password from a Pulumi secret that really takes effect when it changes. Its files are swapped in
// by the swap script, which restarts Grafana when they change (datasource provisioning is read at
// start-up only) and rolls back when Grafana does not come back healthy.
import * as pulumi from "@pulumi/pulumi";
import { containerUids } from "../model/catalog";
import { serviceSpecs } from "../model/services";
import { grafanaAdminPasswordFile, type DashboardSource } from "../render/grafana";
import { passwordResetCommand } from "../render/hostCommands";
import type { ServiceContextArgs } from "./context";
import { hostCommand } from "./hostShell";
import { SpecService } from "./specService";

export interface GrafanaArgs extends ServiceContextArgs {
    /** Dashboards to provision (from dashboards/). */
    readonly dashboards: readonly DashboardSource[];
    /** Admin password (configured or generated); always handled as a secret. */
    readonly adminPassword: pulumi.Input<string>;
}

export class Grafana extends SpecService {
    readonly passwordReset: pulumi.CustomResource;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        const password = pulumi.secret(args.adminPassword);
        super(serviceSpecs.grafana, name, {
            ...args,
            extraFiles: [{ path: grafanaAdminPasswordFile, content: password, secret: true, owner: containerUids.grafana }],
        }, opts);
        const deployed = this.deployed;
        if (!deployed) throw new Error("Grafana renders no container");
        // Grafana reads its admin password setting only when it creates its database; after that
        // the volume wins. Resetting through the CLI whenever the password changes makes config true.
        this.passwordReset = hostCommand(`${name}-admin-password`, args.shell, {
            // stdin is read once: every retry must get the password again.
            create: passwordResetCommand(deployed.containerName),
            stdin: password,
            triggers: [password],
            logging: "stderr",
        }, { parent: this, dependsOn: [deployed.service] });
    }
}
