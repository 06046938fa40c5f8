// Configuration files written to the host over SSH, one resource per file, so `pulumi preview`
// names exactly which file changed and shows its diff (secret files show only [secret]).
// Containers bind-mount the directories, so a changed file never replaces a container: the
// service is told to reload instead.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { hostCommand, HostShell } from "./hostShell";
import { fileMode } from "./render/files";
import { shellQuote } from "./render/swap";

export { shellQuote } from "./render/swap";

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

/** The shell command that writes stdin to `file` with the right owner and mode, atomically. */
export function writeFileCommand(file: string, owner: number, secret: boolean): string {
    const mode = fileMode(secret);
    const q = shellQuote(file);
    return `set -e; sudo install -d -m 0755 "$(dirname ${q})"; ` +
        `sudo install -m ${mode} -o ${owner} -g ${owner} /dev/stdin ${q}.tmp && sudo mv -f ${q}.tmp ${q}`;
}

/** Digest of file contents, used to trigger a reload when any of them changes. */
export function contentDigest(contents: readonly string[]): string {
    const hash = crypto.createHash("sha256");
    for (const c of contents) hash.update(c).update("\0");
    return hash.digest("hex");
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
                delete: `sudo rm -f ${shellQuote(target)}`,
                stdin: content,
                // Nothing a file write prints is worth keeping in state.
                logging: "none",
            }, { parent: this });
        });
        this.digest = pulumi.all(args.files.map((f) => f.content)).apply((contents) => contentDigest(contents));
        this.registerOutputs({ digest: this.digest });
    }
}

/**
 * Runs `create` on the host after the files change (and once after creation), retrying until the
 * service answers: used to reload Prometheus and Alertmanager and to reset Grafana's password.
 */
export function retryingCommand(script: string, attempts = 30): string {
    return `for i in $(seq ${attempts}); do if ${script}; then exit 0; fi; sleep 2; done; echo 'gave up: ${script.replace(/'/g, "")}' >&2; exit 1`;
}
