// Configuration files written to the host over SSH, one resource per file, so `pulumi preview`
// names exactly which file changed and shows its diff (secret files show only [secret]).
// Containers bind-mount the directories, so a changed file never replaces a container: the
// service is told to reload instead.
import * as pulumi from "@pulumi/pulumi";
import { hostCommand, HostShell } from "./hostShell";
import { contentDigest, deleteFileCommand, writeFileCommand } from "../render/hostCommands";

export interface HostFile {
    /** Path relative to the config root. */
    readonly path: string;
    readonly content: pulumi.Input<string>;
    readonly secret: boolean;
    readonly owner: number;
}

export interface RemoteFilesArgs {
    /** Where to write (from the Host component). */
    readonly shell: HostShell;
    /** Absolute directory on the host that holds every file. */
    readonly root: string;
    readonly files: readonly HostFile[];
}

export class RemoteFiles extends pulumi.ComponentResource {
    /** The write commands, for dependsOn. */
    readonly commands: pulumi.CustomResource[];
    /** Changes whenever any file's content changes (secret when any file is). */
    readonly digest: pulumi.Output<string>;

    constructor(name: string, args: RemoteFilesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:host:RemoteFiles", name, {}, opts);
        this.commands = args.files.map((file) => {
            const target = `${args.root}/${file.path}`;
            const content = file.secret ? pulumi.secret(file.content) : pulumi.output(file.content);
            return hostCommand(`${name}-${file.path}`, args.shell, {
                create: writeFileCommand(target, file.owner, file.secret),
                delete: deleteFileCommand(target),
                stdin: content,
                // Nothing a file write prints is worth keeping in state.
                logging: "none",
            }, { parent: this });
        });
        this.digest = pulumi.all(args.files.map((f) => f.content)).apply((contents) => contentDigest(contents));
        this.registerOutputs({ digest: this.digest });
    }
}

