// One containerised service: pinned image, optional data volume, and a container that can only
// publish on 127.0.0.1, with a memory limit, restart policy, healthcheck and log rotation.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ServiceNames } from "../model/names";
import type { BindMount, RenderedService } from "../render/services";
import { hostCommand, type HostShell } from "./hostShell";

/** Address every published port binds to. There is deliberately no way to choose another. */
export const loopback = "127.0.0.1";

export type { BindMount } from "../render/services";

/** The rendered container (render/services.ts): command line, environment, healthcheck. */
export interface ServiceArgs extends Pick<RenderedService, "command" | "envs" | "healthcheck"> {
    /** Image reference with an exact tag or digest. */
    readonly image: string;
    /** Container, alias and volume names, from the stack's name builder (model/names.ts). */
    readonly names: ServiceNames;
    readonly memoryMb: number;
    /** Port inside the container to publish on loopback, and the host port. */
    readonly publish?: { readonly containerPort: number; readonly hostPort: number };
    /** Path of a named data volume inside the container; the volume is protected when `protectData`. */
    readonly dataPath?: string;
    readonly protectData?: boolean;
    /** Host directory (on the data volume) bind-mounted at `dataPath` instead of a Docker volume. */
    readonly dataHostDir?: string;
    /** Host directories mounted read-only (configuration and secrets). */
    readonly binds?: readonly BindMount[];
    /** The stack's own Docker network, joined with the service's short alias; ignored with hostNetwork. */
    readonly stackNetwork?: pulumi.Input<string>;
    /** Further networks to join (the apps'), by container name only: a short alias there could
     * shadow, or be shadowed by, an app's own `grafana` or another stack's `prometheus`. */
    readonly networks?: readonly pulumi.Input<string>[];
    /** Share the host's network and PID namespaces (node-exporter). */
    readonly hostNetwork?: boolean;
    /** Share the host's PID namespace; default: with hostNetwork (a fleet Redis exporter needs only the network). */
    readonly hostPid?: boolean;
    /** Docker labels (the fleet's agents carry theirs, which the policy pack reads). */
    readonly labels?: Readonly<Record<string, string>>;
    readonly hosts?: readonly { readonly host: string; readonly ip: string }[];
    readonly logMaxSize: string;
    readonly logMaxFiles: number;
    readonly user?: string;
    /** Resources (config files) that must exist before the container starts. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The image upgrade script (render/upgrade.ts), run on the host whenever `image` changes, before the container. */
    readonly upgrade?: { readonly shell: HostShell; readonly script: string };
}

export class Service extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly image: docker.RemoteImage;
    readonly volume?: docker.Volume;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:stack:Service", name, {}, opts);
        this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        const volumes: docker.types.input.ContainerVolume[] = (args.binds ?? []).map((b) => ({
            hostPath: b.hostPath, containerPath: b.containerPath, readOnly: true,
        }));
        if (args.dataPath && args.dataHostDir) {
            // On the data volume: the Hetzner Volume is what is protected, and it outlives the server.
            volumes.push({ hostPath: args.dataHostDir, containerPath: args.dataPath });
        } else if (args.dataPath) {
            this.volume = new docker.Volume(`${name}-data`, { name: args.names.volume }, {
                parent: this,
                protect: args.protectData ?? true,
                // A volume's name is fixed when it is created: renaming would replace the volume
                // and lose its data. Stacks created before names were per stack keep
                // monitoring-<service>-data; the container mounts whatever name the volume has.
                ignoreChanges: ["name"],
            });
            volumes.push({ volumeName: this.volume.name, containerPath: args.dataPath });
        }
        // A new image is pulled, checked and tried on the host first; a failure rolls back and stops here.
        const upgrade = args.upgrade ? hostCommand(`${name}-upgrade`, args.upgrade.shell, {
            create: args.upgrade.script,
            triggers: [args.image],
            logging: "stderr",
        }, { parent: this, dependsOn: args.dependsOn }) : undefined;
        this.container = new docker.Container(`${name}-container`, {
            name: args.names.container,
            image: this.image.imageId,
            command: args.command ? [...args.command] : undefined,
            envs: args.envs ? Object.entries(args.envs).map(([k, v]) => `${k}=${v}`) : undefined,
            memory: args.memoryMb,
            memorySwap: args.memoryMb,
            restart: "unless-stopped",
            user: args.user,
            logDriver: "json-file",
            logOpts: { "max-size": args.logMaxSize, "max-file": String(args.logMaxFiles) },
            healthcheck: { tests: ["CMD-SHELL", args.healthcheck], interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" },
            ports: args.publish ? [{ internal: args.publish.containerPort, external: args.publish.hostPort, ip: loopback, protocol: "tcp" }] : [],
            volumes,
            networkMode: args.hostNetwork ? "host" : undefined,
            pidMode: (args.hostPid ?? args.hostNetwork) ? "host" : undefined,
            labels: args.labels ? Object.entries(args.labels).map(([label, value]) => ({ label, value })) : undefined,
            networksAdvanced: args.hostNetwork ? undefined : [
                ...(args.stackNetwork === undefined ? [] : [{ name: args.stackNetwork, aliases: [args.names.alias] }]),
                ...(args.networks ?? []).map((n) => ({ name: n })),
            ],
            hosts: args.hosts ? args.hosts.map((h) => ({ host: h.host, ip: h.ip })) : undefined,
            // Config files live in bind mounts: their changes reload the service rather than replace it.
            mustRun: true,
        }, {
            parent: this,
            dependsOn: upgrade ? [...(args.dependsOn ?? []), upgrade] : args.dependsOn,
            // The name and the loopback port are taken until the old container is gone.
            deleteBeforeReplace: true,
            replaceOnChanges: ["healthcheck"],
        });
        this.registerOutputs({ containerName: this.container.name });
    }
}
