// What every service component of the stack needs to know about where it runs.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { MonitoringConfig } from "./config";

export interface ServiceContextArgs {
    /** Validated monitoring configuration (plain values; secrets are wrapped where used). */
    readonly config: MonitoringConfig;
    /** SSH connection used to write configuration files and run reloads. */
    readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** Name of the monitoring Docker network. */
    readonly network: pulumi.Input<string>;
    /** Protect data volumes from deletion. */
    readonly protectData: boolean;
    /** The host is ready (cloud-init done, Docker usable): nothing runs on it before. */
    readonly hostReady: pulumi.Input<pulumi.Resource>;
}
