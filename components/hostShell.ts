// Where the stack's shell commands (file writes, reloads) run: on the host over SSH, or on this
// machine for the local stack. Both take the same scripts.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

export type HostShell =
    | { readonly kind: "ssh"; readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs> }
    | { readonly kind: "local" };

export interface HostCommandArgs {
    readonly create: pulumi.Input<string>;
    readonly delete?: pulumi.Input<string>;
    readonly stdin?: pulumi.Input<string>;
    readonly triggers?: pulumi.Input<unknown>[];
    /** What to keep of the command's output in state: never stdout, which could echo secrets. */
    readonly logging: "none" | "stderr";
}

export function hostCommand(name: string, shell: HostShell, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    if (shell.kind === "local") return new command.local.Command(name, { ...args, interpreter: ["/bin/sh", "-c"] }, opts);
    return new command.remote.Command(name, { ...args, connection: shell.connection }, opts);
}
