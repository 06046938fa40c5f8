// The scheduled backup on the host (render/backup.ts): its scripts and root-only secret files
// below configRoot/backup, its systemd service and timer, and the command that installs restic,
// sqlite3 and curl when missing and starts the timer. Nothing of it runs in a container.
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../model/stack";
import { backupLayout, disableBackupScript, enableBackupScript, renderBackupFiles, renderBackupUnits, textfileDir } from "../render/backup";
import { shellQuote } from "../render/hostCommands";
import { hostCommand, type HostShell } from "./hostShell";
import { RemoteFiles } from "./remoteFiles";

export interface BackupArgs {
    readonly config: MonitoringConfig;
    readonly shell: HostShell;
    readonly hostReady: pulumi.Input<pulumi.Resource>;
}

export const systemdUnitDir = "/etc/systemd/system";

export class Backup extends pulumi.ComponentResource {
    readonly files: RemoteFiles;
    readonly units: RemoteFiles;
    readonly enable: pulumi.CustomResource;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:backup:Backup", name, {}, opts);
        const m = args.config;
        if (!m.backup) throw new Error("Backup needs a backup configuration");
        const layout = backupLayout(m);
        const child = { parent: this, dependsOn: [args.hostReady] };
        this.files = new RemoteFiles(`${name}-files`, { shell: args.shell, root: m.configRoot, files: renderBackupFiles(m) }, child);
        const units = renderBackupUnits(m.stack, layout.scriptPath, m.backup.intervalHours);
        this.units = new RemoteFiles(`${name}-units`, {
            shell: args.shell, root: systemdUnitDir,
            files: [
                { path: layout.unit, content: units.service, secret: false, owner: 0 },
                { path: layout.timer, content: units.timer, secret: false, owner: 0 },
            ],
        }, child);
        this.enable = hostCommand(`${name}-enable`, args.shell, {
            create: `sudo sh -c ${shellQuote(enableBackupScript(layout, textfileDir(m)))}`,
            delete: `sudo sh -c ${shellQuote(disableBackupScript(layout))}`,
            triggers: [this.units.digest],
            logging: "stderr",
        }, { parent: this, dependsOn: [...this.files.commands, ...this.units.commands] });
        this.registerOutputs({});
    }
}
