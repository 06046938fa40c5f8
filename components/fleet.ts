// The fleet (issue 13): the stack's Hetzner private network, the TLS material for hosts outside
// it, and on every host with `agents: true` its exporters, deployed with a Docker provider of its
// own over SSH. Places what render/fleet.ts renders; decides nothing about addresses or flags.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { containerUids } from "../model/catalog";
import type { FleetHost, PrivateNetworkConfig } from "../model/fleet";
import type { MonitoringConfig } from "../model/stack";
import { hostKeyOptions } from "../render/access";
import { agentDataPath, agentPrometheusMemoryMb, agentReloadCommand, renderAgentPrometheus } from "../render/agent";
import {
    type AgentTlsMaterial, agentFilesFor, fleetAgentDir, fleetAgentLabel, fleetAgents, fleetReadinessScript, monitoringPrivateIp, prometheusFleetFiles, tlsMaterialLayout,
} from "../render/fleet";
import { sshDockerHost } from "../render/hostCommands";
import { hostCommand, type HostShell } from "./hostShell";
import { type HostFile, RemoteFiles } from "./remoteFiles";
import { Service } from "./service";

type ConnectionArgs = command.types.input.remote.ConnectionArgs;

/** Certificates live a year less a day of margin; `pulumi up` renews them within the last 30 days. */
const certificateHours = 365 * 24;
const renewalHours = 30 * 24;

export interface PrivateNetworkArgs {
    readonly config: PrivateNetworkConfig;
    /** The monitoring server (created or adopted). */
    readonly monitoringServerId: pulumi.Input<number>;
    readonly hosts: readonly FleetHost[];
    readonly labels: Readonly<Record<string, string>>;
    readonly name: string;
}

/** The network, its subnet, and one attachment per server: the monitoring server's and each host's. */
export class PrivateNetwork extends pulumi.ComponentResource {
    readonly network: hcloud.Network;
    readonly subnet: hcloud.NetworkSubnet;
    /** The monitoring server's address in the subnet. */
    readonly monitoringIp: string;
    /** Attachments by host name, for the agents to wait on (their address exists only once attached). */
    readonly attachments: ReadonlyMap<string, hcloud.ServerNetwork>;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:fleet:PrivateNetwork", name, {}, opts);
        const child = { parent: this };
        this.network = new hcloud.Network(`${name}-network`, {
            name: args.name, ipRange: args.config.ipRange, labels: { ...args.labels },
        }, child);
        const networkId = this.network.id.apply(Number);
        this.subnet = new hcloud.NetworkSubnet(`${name}-subnet`, {
            networkId, type: "cloud", networkZone: args.config.networkZone, ipRange: args.config.subnetRange,
        }, child);
        this.monitoringIp = monitoringPrivateIp(args.config.subnetRange);
        // Attached with the subnet's id, so the subnet exists first; the address is fixed, never Hetzner's pick.
        const attach = (part: string, serverId: pulumi.Input<number>, ip: string) => new hcloud.ServerNetwork(`${name}-${part}`, {
            serverId, subnetId: this.subnet.id, ip,
        }, child);
        attach("monitoring", args.monitoringServerId, this.monitoringIp);
        this.attachments = new Map(args.hosts.flatMap((h) => h.hetznerServerId === undefined ? []
            : [[h.name, attach(`host-${h.name}`, h.hetznerServerId, h.address)] as const]));
        this.registerOutputs({ networkId: this.network.id, monitoringIp: this.monitoringIp });
    }
}

/**
 * One CA for the stack's `tls` agents, Prometheus' client certificate, and the basic-auth password
 * (with its bcrypt hash for the exporters' web config). All stay Pulumi secrets.
 */
export class FleetCredentials extends pulumi.ComponentResource {
    readonly caKey: tls.PrivateKey;
    readonly ca: tls.SelfSignedCert;
    readonly password: random.RandomPassword;
    /** The files Prometheus reads (model/fleet.ts fleetScrapeFiles), for its release. */
    readonly prometheusFiles: HostFile[];

    constructor(name: string, args: { readonly stack: string }, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:fleet:FleetCredentials", name, {}, opts);
        const child = { parent: this };
        this.caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        this.ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: this.caKey.privateKeyPem,
            subject: { commonName: `monitoring-${args.stack} fleet CA` },
            isCaCertificate: true,
            allowedUses: ["cert_signing", "crl_signing"],
            validityPeriodHours: 10 * certificateHours,
            earlyRenewalHours: renewalHours,
        }, child);
        const client = this.signed(`${name}-prometheus`, { commonName: `monitoring-${args.stack} prometheus` }, ["client_auth"], {});
        this.password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child);
        const files = pulumi.all([this.ca.certPem, client.cert.certPem, client.key.privateKeyPem, this.password.result])
            .apply(([ca, clientCert, clientKey, password]) => prometheusFleetFiles({ ca, clientCert, clientKey, password }));
        // Paths and owners are plain; only the contents wait for the certificates.
        this.prometheusFiles = prometheusFleetFiles({ ca: "", clientCert: "", clientKey: "", password: "" }).map((f, i) => ({
            path: f.path, secret: f.secret, owner: f.owner, content: files.apply((all) => all[i].content),
        }));
        this.registerOutputs({ caCert: this.ca.certPem });
    }

    /** A key and a certificate signed by the fleet CA. */
    signed(name: string, subject: tls.types.input.CertRequestSubject, uses: string[], sans: { ipAddresses?: string[] }, parent: pulumi.Resource = this):
        { key: tls.PrivateKey; cert: tls.LocallySignedCert } {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
        const request = new tls.CertRequest(`${name}-csr`, { privateKeyPem: key.privateKeyPem, subject, ...sans }, { parent });
        const cert = new tls.LocallySignedCert(`${name}-cert`, {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: this.caKey.privateKeyPem,
            caCertPem: this.ca.certPem,
            allowedUses: ["digital_signature", "key_encipherment", ...uses],
            validityPeriodHours: certificateHours,
            earlyRenewalHours: renewalHours,
        }, { parent });
        return { key, cert };
    }
}

export interface FleetHostAgentsArgs {
    readonly config: MonitoringConfig;
    readonly host: FleetHost;
    /** Present when the host's transport is `tls`. */
    readonly credentials?: FleetCredentials;
    /** The deploy's private key (sshPrivateKey), used by remote commands; undefined: the SSH agent. */
    readonly sshPrivateKey?: string;
    /** The host's private-network attachment: its address exists only after it. */
    readonly attachment?: pulumi.Resource;
}

/**
 * One fleet host's agents: readiness gate, Docker provider, files, and the exporters' containers;
 * on a push host also Prometheus in agent mode (render/agent.ts) with its files and reload.
 */
export class FleetHostAgents extends pulumi.ComponentResource {
    readonly provider: docker.Provider;
    readonly services: Service[];
    /** The agent-mode Prometheus of a push host. */
    readonly prometheusAgent?: Service;

    constructor(name: string, args: FleetHostAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:fleet:FleetHostAgents", name, {}, opts);
        const { host, config: m } = args;
        const ssh = host.ssh;
        if (!ssh) throw new Error(`host ${host.name} has agents but no ssh settings`);
        const sshAddress = ssh.address ?? host.address;
        const target = { user: ssh.user, address: sshAddress, port: ssh.port, hostKey: ssh.hostKey };
        const connection: ConnectionArgs = {
            host: sshAddress, user: ssh.user, port: ssh.port, hostKey: ssh.hostKey,
            ...(args.sshPrivateKey ? { privateKey: args.sshPrivateKey } : {}),
        };
        const shell: HostShell = { kind: "ssh", connection: args.sshPrivateKey ? pulumi.secret(connection) : connection };
        const ready = new command.remote.Command(`${name}-ready`, {
            connection: shell.connection,
            create: fleetReadinessScript(host),
        }, { parent: this, dependsOn: args.attachment ? [args.attachment] : [] });
        // The endpoint resolves only after the gate, so the provider never dials a host that is not ready.
        this.provider = new docker.Provider(`${name}-docker`, {
            host: ready.stdout.apply(() => sshDockerHost(ssh.user, sshAddress, ssh.port)),
            sshOpts: [...hostKeyOptions(target), "-o", "ServerAliveInterval=30"],
        }, { parent: this, dependsOn: [ready] });

        const transportTls = host.transport === "tls";
        const credentials = args.credentials;
        if (transportTls && !credentials) throw new Error(`host ${host.name} uses tls but the fleet has no credentials`);
        const server = transportTls && credentials
            ? credentials.signed(`${name}-server`, { commonName: host.address }, ["server_auth"], { ipAddresses: [host.address] }, this)
            : undefined;
        const material: pulumi.Output<AgentTlsMaterial> | undefined = server && credentials
            ? pulumi.all([server.cert.certPem, server.key.privateKeyPem, credentials.ca.certPem, credentials.password.bcryptHash])
                .apply(([serverCert, serverKey, clientCa, passwordBcrypt]) => ({ serverCert, serverKey, clientCa, passwordBcrypt }))
            : undefined;

        this.services = fleetAgents(m.stack, m.configRoot, host).map((agent) => {
            // Paths and owners are known now; the contents wait for the certificates.
            const layout = agentFilesFor(agent, material ? tlsMaterialLayout : undefined);
            const contents = material
                ? material.apply((tlsMaterial) => agentFilesFor(agent, tlsMaterial).map((f) => f.content))
                : pulumi.output(layout.map((f) => f.content));
            const files = layout.length === 0 ? undefined : new RemoteFiles(`${name}-${agent.part}-files`, {
                shell, root: agent.dir,
                files: layout.map((f, i) => ({ path: f.path, secret: f.secret, owner: f.owner, content: contents.apply((all) => all[i]) })),
            }, { parent: this, dependsOn: [ready] });
            return new Service(`${name}-${agent.part}`, {
                image: agent.kind === "nodeExporter" ? m.nodeExporter.image : m.redisExporter.image,
                names: agent.names,
                memoryMb: agent.kind === "nodeExporter" ? m.nodeExporter.memoryMb : m.redisExporter.memoryMb,
                command: agent.command,
                healthcheck: agent.healthcheck,
                // Host network: real interface metrics, and Redis on the host's loopback; each agent
                // binds only the private address (its --web.listen-address), nothing is published.
                hostNetwork: true,
                hostPid: agent.kind === "nodeExporter",
                user: String(agent.uid),
                binds: agent.binds,
                labels: { [fleetAgentLabel]: host.name },
                logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
                dependsOn: [ready, ...(files?.commands ?? [])],
            }, { parent: this, providers: [this.provider] });
        });
        if (host.push) this.prometheusAgent = this.pushAgent(name, m, host, shell, ready);
        this.registerOutputs({ dockerHost: this.provider.urn });
    }

    /**
     * Prometheus in agent mode beside the exporters: same image as the monitoring host's, host
     * network (its targets are on the host's loopback) with its API on loopback only, the WAL on a
     * Docker volume, its config and remote_write credentials as files, re-read on SIGHUP when they change.
     */
    private pushAgent(name: string, m: MonitoringConfig, host: FleetHost, shell: HostShell, ready: pulumi.Resource): Service {
        const agent = renderAgentPrometheus(m, host);
        const files = new RemoteFiles(`${name}-prometheus-agent-files`, {
            shell, root: `${m.configRoot}/${fleetAgentDir}`, files: agent.files,
        }, { parent: this, dependsOn: [ready] });
        const service = new Service(`${name}-prometheus-agent`, {
            image: m.prometheus.image,
            names: agent.names,
            memoryMb: agentPrometheusMemoryMb,
            command: agent.command,
            healthcheck: agent.healthcheck,
            hostNetwork: true,
            hostPid: false,
            user: String(containerUids.prometheus),
            binds: agent.binds,
            // The WAL is a buffer for a store that is down, not history: removing the host may drop it.
            dataPath: agentDataPath,
            protectData: false,
            labels: { [fleetAgentLabel]: host.name },
            logMaxSize: m.logMaxSize, logMaxFiles: m.logMaxFiles,
            dependsOn: [ready, ...files.commands],
        }, { parent: this, providers: [this.provider] });
        const anySecret = agent.files.some((f) => f.secret);
        hostCommand(`${name}-prometheus-agent-reload`, shell, {
            create: agentReloadCommand(agent.names),
            triggers: [anySecret ? pulumi.secret(files.digest) : files.digest],
            logging: "stderr",
        }, { parent: this, dependsOn: [service.container, ...files.commands] });
        return service;
    }
}

export interface FleetArgs {
    readonly config: MonitoringConfig;
    readonly privateNetwork?: PrivateNetworkConfig;
    /** The monitoring server's id, when it is on Hetzner (needed with a private network). */
    readonly monitoringServerId?: pulumi.Input<number>;
    readonly sshPrivateKey?: string;
    /** Hetzner labels of the network (managed-by, stack). */
    readonly labels: Readonly<Record<string, string>>;
    /** The network's name on Hetzner. */
    readonly networkName: string;
}

/** The whole fleet: the private network, the TLS credentials when any host needs them, and each host's agents. */
export class Fleet extends pulumi.ComponentResource {
    readonly network?: PrivateNetwork;
    readonly credentials?: FleetCredentials;
    readonly hosts: FleetHostAgents[];

    constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("vps-monitoring:fleet:Fleet", name, {}, opts);
        const hosts = args.config.hosts;
        if (args.privateNetwork) {
            if (args.monitoringServerId === undefined) throw new Error("the private network needs the monitoring server on Hetzner");
            this.network = new PrivateNetwork(`${name}-private`, {
                config: args.privateNetwork, monitoringServerId: args.monitoringServerId, hosts, labels: args.labels, name: args.networkName,
            }, { parent: this });
        }
        this.credentials = hosts.some((h) => h.agents && h.transport === "tls")
            ? new FleetCredentials(`${name}-credentials`, { stack: args.config.stack }, { parent: this })
            : undefined;
        this.hosts = hosts.filter((h) => h.agents).map((host) => new FleetHostAgents(`${name}-${host.name}`, {
            config: args.config, host, credentials: host.transport === "tls" ? this.credentials : undefined,
            sshPrivateKey: args.sshPrivateKey, attachment: this.network?.attachments.get(host.name),
        }, { parent: this }));
        this.registerOutputs({});
    }

    /** Files Prometheus needs in its release to scrape the `tls` agents (none without such agents). */
    get prometheusFiles(): readonly HostFile[] {
        return this.credentials?.prometheusFiles ?? [];
    }
}
