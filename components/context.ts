// What every service component of the stack needs to know about where it runs.
import * as pulumi from "@pulumi/pulumi";
import { MonitoringConfig } from "../model/stack";
import { HostShell } from "./hostShell";

export interface ServiceContextArgs {
    /** Validated monitoring configuration (plain values; secrets are wrapped where used). */
    readonly config: MonitoringConfig;
    /** Where configuration files are written and reloads run (the host over SSH, or this machine). */
    readonly shell: HostShell;
    /** Name of the monitoring Docker network. */
    readonly network: pulumi.Input<string>;
    /** Protect data volumes from deletion. */
    readonly protectData: boolean;
    /** The host is ready (cloud-init done, Docker usable): nothing runs on it before. */
    readonly hostReady: pulumi.Input<pulumi.Resource>;
}
