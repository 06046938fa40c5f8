// The Docker host: a new Hetzner server, an adopted one, or any machine reachable over SSH.
// Whatever the mode, `ready` succeeds only once the deploy user can run Docker, and
// `dockerHost` resolves only after it, so no Docker resource ever talks to a half-built host.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as tls from "@pulumi/tls";
import { HostConfig } from "../model/stack";
import { hostKeyOptions, knownHostsLine } from "../render/access";
import { HostShell } from "./hostShell";
import { hostCloudInit } from "../render/cloudInit";
import { readinessScript, shellQuote, sshDockerHost } from "../render/hostCommands";
import { dataMountScript, type DataDir, volumeDevicePath } from "../render/dataVolume";

type ConnectionArgs = command.types.input.remote.ConnectionArgs;

export interface HostArgs {
    /** Validated host configuration (plain values; the private key is wrapped as a secret here). */
    readonly config: HostConfig;
    /** Stack name, written to the server's labels. */
    readonly stack: string;
    /** The services' data directories on the data volume (with config.dataVolume). */
    readonly dataDirs?: readonly DataDir[];
}

/** What the Hetzner modes produce: the server and the attachment that keeps it behind the firewall. */
interface HetznerServer {
    readonly server: hcloud.Server;
    readonly firewallAttachment: hcloud.FirewallAttachment;
    readonly dataVolume?: DataVolume;
}

/** The Hetzner Volume that holds the services' data, and its attachment to the server. */
interface DataVolume {
    readonly volume: hcloud.Volume;
    readonly attachment: hcloud.VolumeAttachment;
    /** Its device path on the server. */
    readonly device: pulumi.Output<string>;
}

/**
 * Server properties ignored after creation: changing userData, sshKeys or image would replace the
 * server and lose its data (to really re-provision, run `pulumi up --replace <server urn>`).
 * firewallIds only matters at creation, so that the first boot is already behind the firewall;
 * afterwards the FirewallAttachment keeps it applied, and servers created before firewallIds was
 * set see no diff at all.
 */
export const newServerIgnoredChanges = ["userData", "sshKeys", "image", "firewallIds"];

/**
 * An adopted server is not ours to reshape: Pulumi reads it, protects it and attaches the
 * firewall, but never changes (or, after import, "corrects") any of its own properties.
 */
export const adoptedServerIgnoredChanges = [
    "name", "serverType", "location", "datacenter", "image", "userData", "sshKeys", "publicNets",
    "labels", "firewallIds", "ignoreRemoteFirewallIds", "backups", "deleteProtection", "rebuildProtection",
    "keepDisk", "networks", "placementGroupId", "iso", "rescue", "shutdownBeforeDeletion", "allowDeprecatedImages",
];

/**
 * A new server refuses the deploy user (or, with a custom sshPort, the connection) until cloud-init
 * has got that far, which takes minutes: keep dialling. Existing hosts get the provider's default.
 */
const newServerDialErrorLimit = 120;
const readinessTimeout = "30m";

export class Host extends pulumi.ComponentResource {
    /** Public IPv4 address; "" when the host has none or is reached only by sshHost. */
    readonly ipv4: pulumi.Output<string>;
    /** Public IPv6 address; "" when the host has none or is reached only by sshHost. */
    readonly ipv6: pulumi.Output<string>;
    /** Address used to connect: IPv4, else IPv6, else sshHost. */
    readonly address: pulumi.Output<string>;
    /** SSH connection for remote commands: secret when it carries a private key; checks the host key when known. */
    readonly connection: pulumi.Output<ConnectionArgs>;
    /** The host's public SSH host key: generated for new servers, `sshHostKey` otherwise ("" if unknown). */
    readonly hostKey: pulumi.Output<string>;
    /** The known_hosts line for the host ("" when its key is unknown). */
    readonly knownHosts: pulumi.Output<string>;
    /** ssh options that verify the host key where it is known; otherwise trust on first use. */
    readonly sshOptions: pulumi.Output<string[]>;
    /** Docker endpoint; resolves only after `ready`, so the Docker provider waits for the host (undefined: this machine's Docker). */
    readonly dockerHost: pulumi.Output<string | undefined>;
    /** Succeeds once cloud-init is done and the deploy user can run Docker. */
    readonly ready: command.remote.Command | command.local.Command;
    /** Where the stack's files are written and its reloads run. */
    readonly shell: HostShell;
    /** The Hetzner server (created or adopted); undefined in the ssh and local modes. */
    readonly server?: hcloud.Server;
    /** The data volume, when the host has one. */
    readonly dataVolume?: hcloud.Volume;
    /**
     * Succeeds once the host is ready and, with a data volume, the volume is mounted and the
     * services' data directories exist on it: what the services wait for.
     */
    readonly storageReady: pulumi.Resource;

    constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:host:Host", name, {}, opts);
        const config = args.config;
        // New servers get a host key made here, so even the first connection is verified.
        const generatedHostKey = config.mode === "hetzner"
            ? new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this })
            : undefined;
        const hetzner = config.mode === "hetzner" || config.mode === "hetzner-existing" ? this.hetznerServer(name, args, generatedHostKey) : undefined;
        this.server = hetzner?.server;
        this.hostKey = generatedHostKey ? generatedHostKey.publicKeyOpenssh.apply((k) => k.trim()) : pulumi.output(config.sshHostKey ?? "");

        this.ipv4 = hetzner ? hetzner.server.ipv4Address.apply((a) => a ?? "") : pulumi.output("");
        this.ipv6 = hetzner ? hetzner.server.ipv6Address.apply((a) => a ?? "") : pulumi.output("");
        this.address = pulumi.all([this.ipv4, this.ipv6]).apply(([v4, v6]) => v4 || v6 || config.sshHost || (config.mode === "local" ? "localhost" : ""));
        this.knownHosts = pulumi.all([this.address, this.hostKey]).apply(([address, hostKey]) =>
            hostKey ? knownHostsLine({ user: config.sshUser, address, port: config.sshPort, hostKey }) : "");
        this.sshOptions = pulumi.all([this.address, this.hostKey]).apply(([address, hostKey]) => hostKey
            ? hostKeyOptions({ user: config.sshUser, address, port: config.sshPort, hostKey })
            : ["-o", "StrictHostKeyChecking=accept-new"]);
        const connection = pulumi.all([this.address, this.hostKey]).apply(([address, hostKey]) => connectionArgs(config, address, hostKey));
        this.connection = config.sshPrivateKey ? pulumi.secret(connection) : connection;

        this.shell = config.mode === "local" ? { kind: "local" } : { kind: "ssh", connection: this.connection };
        // The local stack only needs this machine's Docker to answer.
        this.ready = config.mode === "local" ? new command.local.Command(`${name}-ready`, {
            create: readinessScript(false),
        }, { parent: this }) : new command.remote.Command(`${name}-ready`, {
            connection: config.mode === "hetzner"
                ? this.connection.apply((c) => ({ ...c, dialErrorLimit: newServerDialErrorLimit }))
                : this.connection,
            create: readinessScript(config.mode === "hetzner"),
            // A replaced or re-adopted server must pass the gate again.
            triggers: hetzner ? [hetzner.server.id] : [],
        }, {
            parent: this,
            dependsOn: hetzner ? [hetzner.server, hetzner.firewallAttachment] : [],
            customTimeouts: { create: readinessTimeout, update: readinessTimeout },
        });

        this.dataVolume = hetzner?.dataVolume?.volume;
        const dataVolume = hetzner?.dataVolume;
        // Also on a server created before the volume (cloud-init ran long ago) or one that replaced
        // another: the script mounts the volume and makes the data directories, idempotently.
        this.storageReady = dataVolume ? new command.remote.Command(`${name}-data-mount`, {
            connection: this.connection,
            create: dataVolume.device.apply((device) => `sudo sh -c ${shellQuote(dataMountScript(device, args.dataDirs ?? []))}`),
            triggers: [dataVolume.attachment.id],
        }, { parent: this, dependsOn: [this.ready, dataVolume.attachment] }) : this.ready;

        this.dockerHost = pulumi.all([this.ready.stdout, this.address])
            .apply(([, address]) => (config.mode === "local" ? undefined : sshDockerHost(config.sshUser, address, config.sshPort)));

        this.registerOutputs({
            ipv4: this.ipv4, ipv6: this.ipv6, address: this.address, dockerHost: this.dockerHost, knownHosts: this.knownHosts,
        });
    }

    private hetznerServer(name: string, args: HostArgs, hostKey?: tls.PrivateKey): HetznerServer {
        const config = args.config;
        const firewall = new hcloud.Firewall(`${name}-firewall`, {
            name: config.serverName,
            rules: firewallRules(config),
            labels: labels(args.stack),
        }, { parent: this });
        const firewallId = firewall.id.apply(Number);
        // Only a server this program creates has a generated host key (hostMode hetzner).
        const created = hostKey !== undefined;
        // A new server's volume exists before it, so its user data can mount it at the first boot.
        const volume = hostKey && config.dataVolume ? new hcloud.Volume(`${name}-data-volume`, {
            name: `${config.serverName}-data`,
            size: config.dataVolume.sizeGb,
            location: config.location,
            format: "ext4",
            labels: labels(args.stack),
            deleteProtection: config.protect,
        }, {
            parent: this,
            protect: config.protect,
            // The filesystem is made once; the name may change without touching the data.
            ignoreChanges: ["format", "name"],
        }) : undefined;
        const device = volume?.id.apply(volumeDevicePath);
        const server = hostKey ? this.newServer(name, args, hostKey, firewallId, device) : this.adoptedServer(name, config);
        const dataVolume = volume && device ? {
            volume, device,
            // A replacement server gets the volume only after the old one let go of it.
            attachment: new hcloud.VolumeAttachment(`${name}-data-volume-attachment`, {
                serverId: server.id.apply(Number),
                volumeId: volume.id.apply(Number),
                automount: false,
            }, { parent: this, deleteBeforeReplace: true }),
        } : undefined;
        // Adopted servers get the firewall only through this attachment. A created server already
        // has it from firewallIds; the attachment stays, because stacks created before firewallIds
        // have it in their state, and deleting it would remove the firewall from their server
        // (the provider's delete detaches; Pulumi deletes after every update). Creating it for a
        // server that already has the firewall is a no-op (the provider accepts "already applied").
        // retainOnDelete: dropping it later, or destroying the stack, never detaches the firewall
        // from a created server.
        const firewallAttachment = new hcloud.FirewallAttachment(`${name}-firewall-attachment`, {
            firewallId,
            serverIds: [server.id.apply(Number)],
        }, { parent: this, retainOnDelete: created });
        return { server, firewallAttachment, dataVolume };
    }

    private newServer(name: string, args: HostArgs, hostKey: tls.PrivateKey, firewallId: pulumi.Output<number>,
        dataVolumeDevice?: pulumi.Output<string>): hcloud.Server {
        const config = args.config;
        const key = this.sshKey(name, config);
        const hostKeyPair = pulumi.all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh])
            .apply(([privateKey, publicKey]) => ({ privateKey, publicKey }));
        return new hcloud.Server(`${name}-server`, {
            name: config.serverName,
            serverType: config.serverType,
            location: config.location,
            image: config.image,
            publicNets: [{ ipv4Enabled: config.ipv4, ipv6Enabled: config.ipv6 }],
            sshKeys: [key.id],
            // Applied by Hetzner before the first boot: the server is never reachable unfirewalled.
            firewallIds: [firewallId],
            // Secret: it carries the private host key.
            userData: pulumi.secret(pulumi.all([key.publicKey, hostKeyPair, dataVolumeDevice]).apply(([sshPublicKey, hostKeyValue, device]) =>
                hostCloudInit(config, { sshPublicKey, hostKey: hostKeyValue, dataVolumeDevice: device }))),
            labels: labels(args.stack),
            deleteProtection: config.protect,
            rebuildProtection: config.protect,
            // Hetzner's daily images of the server's own disk (never of volumes).
            backups: config.hetznerBackups ?? false,
        }, { parent: this, protect: config.protect, ignoreChanges: newServerIgnoredChanges });
    }

    private adoptedServer(name: string, config: HostConfig): hcloud.Server {
        return new hcloud.Server(`${name}-server`, {
            name: config.serverName,
            serverType: config.serverType,
        }, {
            parent: this,
            import: String(config.hetznerServerId),
            protect: true,
            ignoreChanges: adoptedServerIgnoredChanges,
        });
    }

    /** The key Hetzner installs for root (no root password is mailed) and cloud-init gives the deploy user. */
    private sshKey(name: string, config: HostConfig): { id: pulumi.Output<string>; publicKey: pulumi.Output<string> } {
        if (config.sshPublicKey) {
            const key = new hcloud.SshKey(`${name}-ssh-key`, {
                name: `${config.serverName}-deploy`,
                publicKey: config.sshPublicKey,
            }, { parent: this });
            return { id: key.id, publicKey: key.publicKey };
        }
        const existing = hcloud.getSshKeyOutput({ name: config.hetznerSshKeyName }, { parent: this });
        return { id: existing.apply((k) => String(k.id)), publicKey: existing.publicKey };
    }
}

/** Only SSH (from the allowed sources) and ICMP come in; everything else stays closed. */
export function firewallRules(config: HostConfig): hcloud.types.input.FirewallRule[] {
    return [
        { direction: "in", protocol: "tcp", port: String(config.sshPort), sourceIps: [...config.sshAllowedCidrs], description: "SSH" },
        { direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0", "::/0"], description: "ICMP" },
    ];
}

function labels(stack: string): Record<string, string> {
    return { "managed-by": "pulumi", stack };
}

/**
 * Without a configured private key the connection is left to the SSH agent; with a known host key
 * the server must present exactly that key.
 */
function connectionArgs(config: HostConfig, address: string, hostKey: string): ConnectionArgs {
    const base: ConnectionArgs = { host: address, user: config.sshUser, port: config.sshPort, ...(hostKey ? { hostKey } : {}) };
    // The caller marks the whole connection secret when it carries the key.
    return config.sshPrivateKey ? { ...base, privateKey: config.sshPrivateKey } : base;
}

/**
 * Docker provider for the host, depending on its readiness gate. It runs the system `ssh` client,
 * so the key must be available to it (agent or ~/.ssh): a configured sshPrivateKey is used only by
 * remote commands.
 */
export function createDockerProvider(
    name: string, host: Host, opts?: Omit<pulumi.CustomResourceOptions, "dependsOn">,
): docker.Provider {
    return new docker.Provider(name, {
        host: host.dockerHost,
        sshOpts: host.sshOptions.apply((options) => [...options, "-o", "ServerAliveInterval=30"]),
    }, { ...opts, dependsOn: [host.ready] });
}
