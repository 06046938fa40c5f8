// What the fleet's agents are, as text: the exporters' command lines, the exporter web config
// (TLS and basic auth), the files written to each host, the private network's addresses and the
// readiness script. Pure: config in, text out. components/fleet.ts places these.
import { containerUids } from "../model/catalog";
import {
    type FleetHost, type FleetRedis, type PrivateNetworkConfig, fleetAgentPorts, fleetAgentUser, fleetScrapeFiles, pushAgentPrometheusPort,
} from "../model/fleet";
import { stackNames, type ServiceNames } from "../model/names";
import { ipv4CidrBounds, isPrivateAddress, isUnspecifiedAddress, numberToIpv4 } from "../config/units";
import { nodeExporterHostMounts } from "./exporters";
import { hostDirs, type RenderedFile, yamlText } from "./files";
import { readinessScript, shellQuote } from "./hostCommands";

/** Hetzner's network zone of each location. */
const networkZones: Readonly<Record<string, string>> = {
    fsn1: "eu-central", nbg1: "eu-central", hel1: "eu-central", ash: "us-east", hil: "us-west", sin: "ap-southeast",
};

export function hetznerNetworkZone(location: string): string {
    return networkZones[location] ?? "eu-central";
}

/**
 * The monitoring server's address in the private subnet: the last usable one (broadcast minus
 * one), fixed by the subnet alone so it never moves between deploys and rarely meets a host's.
 */
export function monitoringPrivateIp(subnetRange: string): string {
    return numberToIpv4(ipv4CidrBounds(subnetRange).last - 1);
}

/** `address:port` as a listen address or URL host (IPv6 in brackets). */
export function hostPort(address: string, port: number): string {
    return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

/**
 * The address an agent binds: the host's private address, never an all-interfaces or public one.
 * Config parsing refuses such hosts already; this is the last gate before a command line.
 */
export function agentBindAddress(host: Pick<FleetHost, "name" | "address">): string {
    if (isUnspecifiedAddress(host.address) || !isPrivateAddress(host.address)) {
        throw new Error(`host ${host.name}: agents may only listen on a private address, not "${host.address}"`);
    }
    return host.address;
}

/** Where an agent's files live on its host, below the stack's configRoot. */
export const fleetAgentDir = "agent";
/** Where an agent container sees its directory (read-only). */
export const agentMount = "/etc/monitoring-agent";

/** Files an agent reads, relative to its own directory. */
export const agentFiles = {
    webConfig: "web.yml",
    serverCert: "tls/server.crt",
    serverKey: "tls/server.key",
    clientCa: "tls/client-ca.crt",
    redisPassword: "redis-password.json",
} as const;

/** One agent container on a fleet host. */
export interface FleetAgent {
    readonly kind: "nodeExporter" | "redisExporter";
    /** `node-exporter` or `redis-exporter-<redis name>`: resource suffix and directory. */
    readonly part: string;
    readonly names: ServiceNames;
    readonly port: number;
    readonly uid: number;
    readonly command: readonly string[];
    readonly binds: readonly { readonly hostPath: string; readonly containerPath: string }[];
    /** Shell command run in the container; exits 0 when the agent answers on its address. */
    readonly healthcheck: string;
    /** Its directory on the host, absolute. */
    readonly dir: string;
    readonly redis?: FleetRedis;
}

/**
 * Healthcheck that the agent answers on its address. A `tls` agent requires a client certificate
 * and a password, which the container's busybox wget cannot present; a plain-HTTP request is
 * answered by Go's TLS server with "400 Bad Request", which proves it is up and listening there.
 */
export function agentHealthcheck(address: string, port: number, tls: boolean, path: string): string {
    const url = `http://${hostPort(address, port)}${path}`;
    return tls ? `wget -q -O /dev/null ${url} 2>&1 | grep -q '400 Bad Request'` : `wget -q -O /dev/null ${url}`;
}

/** The agents of one host (none with `agents: false`): node-exporter, then one Redis exporter per Redis. */
export function fleetAgents(stack: string, configRoot: string, host: FleetHost): FleetAgent[] {
    if (!host.agents) return [];
    const address = agentBindAddress(host);
    const tls = host.transport === "tls";
    const ports = fleetAgentPorts(host);
    const names = stackNames(stack);
    const root = `${configRoot}/${fleetAgentDir}`;
    const mount = (dir: string) => ({ hostPath: dir, containerPath: agentMount });
    const nodeDir = `${root}/node-exporter`;
    const node: FleetAgent = {
        kind: "nodeExporter", part: "node-exporter", names: names.nodeExporter, port: ports.nodeExporter, uid: containerUids.nodeExporter,
        command: [
            "--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root",
            `--web.listen-address=${hostPort(address, ports.nodeExporter)}`,
            "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)",
            ...(tls ? [`--web.config.file=${agentMount}/${agentFiles.webConfig}`] : []),
        ],
        binds: [...nodeExporterHostMounts, ...(tls ? [mount(nodeDir)] : [])],
        healthcheck: agentHealthcheck(address, ports.nodeExporter, tls, "/metrics"),
        dir: nodeDir,
    };
    const redis = host.redis.map((r, i): FleetAgent => {
        const part = `redis-exporter-${r.name}`;
        const dir = `${root}/${part}`;
        const port = ports.redisExporters[i];
        const withFiles = tls || r.password !== undefined;
        return {
            kind: "redisExporter", part, names: names.redisExporter(r.name), port, uid: containerUids.redisExporter,
            command: [
                // On the host network: Redis on the host's loopback (its default bind) is reachable.
                `--redis.addr=${redisUrl(r)}`,
                `--web.listen-address=${hostPort(address, port)}`,
                ...(r.password === undefined ? [] : [`--redis.password-file=${agentMount}/${agentFiles.redisPassword}`]),
                // redis_exporter 1.74 takes basic auth only as an argument or environment variable,
                // so a `tls` Redis exporter requires Prometheus' client certificate instead.
                ...(tls ? [
                    `--tls-server-cert-file=${agentMount}/${agentFiles.serverCert}`,
                    `--tls-server-key-file=${agentMount}/${agentFiles.serverKey}`,
                    `--tls-server-ca-cert-file=${agentMount}/${agentFiles.clientCa}`,
                ] : []),
            ],
            binds: withFiles ? [mount(dir)] : [],
            healthcheck: agentHealthcheck(address, port, tls, "/health"),
            dir, redis: r,
        };
    });
    return [node, ...redis];
}

/** The Redis server an exporter on the host network watches. */
function redisUrl(r: FleetRedis): string {
    return `redis://127.0.0.1:${r.port}`;
}

/** Secrets made at deploy time for `tls` agents (PEM text and the password's bcrypt hash). */
export interface AgentTlsMaterial {
    readonly serverCert: string;
    readonly serverKey: string;
    readonly clientCa: string;
    readonly passwordBcrypt: string;
}

/** Stands in for the material where only the files' layout (paths, owners, secrecy) is needed. */
export const tlsMaterialLayout: AgentTlsMaterial = { serverCert: "", serverKey: "", clientCa: "", passwordBcrypt: "" };

/**
 * The exporter web config (exporter-toolkit, node-exporter 1.x): TLS with the host's certificate,
 * Prometheus' client certificate required, and basic auth for `fleetAgentUser`.
 */
export function agentWebConfig(passwordBcrypt: string, dir = agentMount): string {
    return yamlText({
        tls_server_config: {
            cert_file: `${dir}/${agentFiles.serverCert}`,
            key_file: `${dir}/${agentFiles.serverKey}`,
            client_auth_type: "RequireAndVerifyClientCert",
            client_ca_file: `${dir}/${agentFiles.clientCa}`,
            min_version: "TLS12",
        },
        basic_auth_users: { [fleetAgentUser]: passwordBcrypt },
    });
}

/**
 * The files one agent reads, paths relative to its directory. `tls` is undefined for a host on
 * the private network. Secrets (keys, the password and its hash) are marked so.
 */
export function agentFilesFor(agent: FleetAgent, tls: AgentTlsMaterial | undefined): RenderedFile[] {
    const file = (path: string, content: string, secret: boolean): RenderedFile => ({ path, content, secret, owner: agent.uid });
    const files: RenderedFile[] = [];
    if (tls) {
        files.push(file(agentFiles.serverCert, tls.serverCert, false), file(agentFiles.serverKey, tls.serverKey, true),
            file(agentFiles.clientCa, tls.clientCa, false));
        if (agent.kind === "nodeExporter") files.push(file(agentFiles.webConfig, agentWebConfig(tls.passwordBcrypt), true));
    }
    if (agent.redis?.password !== undefined) {
        files.push(file(agentFiles.redisPassword, JSON.stringify({ [redisUrl(agent.redis)]: agent.redis.password }), true));
    }
    return files;
}

/** The files Prometheus reads to scrape `tls` agents, inside its release (paths relative to configRoot). */
export function prometheusFleetFiles(material: { readonly ca: string; readonly clientCert: string; readonly clientKey: string; readonly password: string }): RenderedFile[] {
    const file = (path: string, content: string, secret: boolean): RenderedFile =>
        ({ path: `${hostDirs.prometheus}/${path}`, content, secret, owner: containerUids.prometheus });
    return [
        file(fleetScrapeFiles.caCert, material.ca, false),
        file(fleetScrapeFiles.clientCert, material.clientCert, false),
        file(fleetScrapeFiles.clientKey, material.clientKey, true),
        file(fleetScrapeFiles.password, material.password, true),
    ];
}

/** Waits until `address` is on one of the host's interfaces (a new Hetzner attachment takes a moment). */
export function addressPresentScript(address: string, attempts = 60): string {
    const q = shellQuote(address);
    return `for i in $(seq ${attempts}); do ` +
        `if ip -o addr show | awk '{print $4}' | cut -d/ -f1 | grep -qxF ${q}; then exit 0; fi; sleep 2; done; ` +
        `echo "address ${address.replace(/'/g, "")} is not on any interface of $(hostname): attach the private network (or configure the LAN/VPN address) first" >&2; exit 1`;
}

/** A fleet host is ready when its deploy user can run Docker and its private address is up. */
export function fleetReadinessScript(host: Pick<FleetHost, "address">): string {
    return `${readinessScript(false)}\n(${addressPresentScript(host.address)})`;
}

/** Docker label on every agent container, naming its host (`docker ps --filter label=…`). */
export const fleetAgentLabel = "io.vps-monitoring.fleet-host";

/**
 * The fleet as `npm run render` summarises it: the private network, then per host how it is
 * deployed to, its agents with the address each listens on, its apps, and the files written there.
 */
export function fleetSummary(stack: string, configRoot: string, hosts: readonly FleetHost[], network: PrivateNetworkConfig | undefined): string[] {
    const lines: string[] = [];
    if (network) {
        lines.push(`private network (Hetzner): ${network.ipRange}, subnet ${network.subnetRange} in ${network.networkZone}; ` +
            `the monitoring server is attached at ${monitoringPrivateIp(network.subnetRange)}, nothing opened on public interfaces`);
    }
    if (hosts.length === 0) return lines;
    lines.push(`hosts (${hosts.length}), each series labelled host=<name>:`);
    for (const host of hosts) {
        const labels = Object.entries(host.labels).map(([k, v]) => `${k}=${v}`).join(", ");
        const attached = host.hetznerServerId === undefined ? "" : `, Hetzner server ${host.hetznerServerId} attached at ${host.address}`;
        lines.push(host.push
            ? `  ${host.name} (push: not scraped by the monitoring host; its agent-mode Prometheus remote-writes to the stack's remoteWrite stores${labels ? `; labels ${labels}` : ""})`
            : `  ${host.name} ${host.address} (transport ${host.transport}${attached}${labels ? `; labels ${labels}` : ""})`);
        if (host.ssh) {
            lines.push(`    deploy: Docker over ssh://${host.ssh.user}@${hostPort(host.ssh.address ?? host.address, host.ssh.port)}, host key pinned (${host.ssh.hostKey.split(" ")[0]})`);
        }
        const agents = fleetAgents(stack, configRoot, host);
        if (agents.length === 0) lines.push("    agents: none deployed (agents: false; its own exporters are scraped)");
        for (const agent of agents) {
            const watches = agent.redis ? ` watching Redis ${redisUrl(agent.redis)}` : "";
            lines.push(`    agent ${agent.names.container}: ${host.transport === "tls" ? "https" : "http"}://${hostPort(host.address, agent.port)}${watches}, host network, listening on ${host.address} only`);
            const files = agentFilesFor(agent, host.transport === "tls" ? tlsMaterialLayout : undefined);
            for (const f of files) lines.push(`      ${agent.dir}/${f.path} (mode ${f.secret ? "0400" : "0444"}, uid ${f.owner}, written by pulumi up)`);
        }
        if (host.push) {
            lines.push(`    agent Prometheus (agent mode): host network, API on ${hostPort(host.address, pushAgentPrometheusPort)} only, ` +
                `config ${configRoot}/${fleetAgentDir}/prometheus/prometheus.yml, remote_write credentials as files beside it (mode 0400), WAL on a Docker volume`);
        }
        for (const app of host.apps) lines.push(`    app ${app.job}: ${hostPort(host.address, app.port)}${app.metricsPath}`);
    }
    if (hosts.some((h) => h.agents && h.transport === "tls")) {
        lines.push(`  Prometheus' credentials for tls agents, in its release: ${Object.values(fleetScrapeFiles).join(", ")} (made by pulumi up)`);
    }
    return lines;
}
