// The fleet: machines watched by this stack besides the monitoring host itself (issue 13).
// Types and what follows from them alone; config/ fills them, render/ and components/ read them.
import { containerPorts } from "./catalog";

/** A Redis server running on a fleet host, watched by a Redis exporter deployed beside it. */
export interface FleetRedis {
    /** Unique within the host; the Redis job and alert label use it. */
    readonly name: string;
    /** Port of the Redis server on that host. */
    readonly port: number;
    /** Secret. */
    readonly password?: string;
}

/** An application's metrics endpoint on a fleet host (scraped at `<address>:<port>`). */
export interface FleetApp {
    readonly job: string;
    readonly port: number;
    readonly metricsPath: string;
}

/** How the deploy reaches a fleet host: Docker over SSH. */
export interface FleetSsh {
    readonly user: string;
    readonly port: number;
    /** Public address for SSH when it differs from the private scrape address. */
    readonly address?: string;
    /** Pinned host key (`ssh-keyscan`), required: no trust on first use. */
    readonly hostKey: string;
}

/**
 * How scrape traffic to a host's agents is protected. `private-network`: the host is on the
 * stack's Hetzner private network, plain HTTP on the private address. `tls`: any other network
 * (LAN, VPN, another provider), the exporters' own web config with TLS and basic auth.
 */
export type FleetTransport = "private-network" | "tls";

export interface FleetHost {
    /** Value of the `host` label on every series from this machine. */
    readonly name: string;
    /** Address the monitoring host reaches (Hetzner private IP, LAN or VPN address). Agents listen only here. */
    readonly address: string;
    /** Extra target labels (role, environment). */
    readonly labels: Readonly<Record<string, string>>;
    /** false: the host already runs its exporters; only scrape it. */
    readonly agents: boolean;
    /** Required when `agents` is true. */
    readonly ssh?: FleetSsh;
    /** Hetzner server to attach to the stack's private network. */
    readonly hetznerServerId?: number;
    readonly transport: FleetTransport;
    readonly redis: readonly FleetRedis[];
    readonly apps: readonly FleetApp[];
    /**
     * The monitoring host cannot reach this machine (behind NAT, another provider): it runs
     * Prometheus in agent mode, scraping its own agents and pushing to the stack's `remoteWrite`
     * stores (render/agent.ts), instead of being scraped. Optional (issue 15); unset means pulled.
     * A push host's `address` is `pushHostAgentAddress` (its agents listen on loopback, only the
     * agent Prometheus beside them scrapes them) and its `transport` is `private-network` (plain
     * HTTP, which on loopback needs no TLS); `ssh.address` is where the deploy reaches it.
     */
    readonly push?: boolean;
}

/** Where a push host's agents listen, and so what its agent Prometheus scrapes: loopback only. */
export const pushHostAgentAddress = "127.0.0.1";

/** Where a push host's agent Prometheus answers (its API, on that loopback address): no app there may take it. */
export const pushAgentPrometheusPort = containerPorts.prometheus;

/** The stack's private network on Hetzner (created only when the monitoring host is created or adopted there). */
export interface PrivateNetworkConfig {
    /** The network's range, e.g. 10.92.0.0/16. */
    readonly ipRange: string;
    /** The subnet servers are attached in, inside ipRange. */
    readonly subnetRange: string;
    readonly networkZone: string;
}

/** Where a fleet host's agents listen: one node-exporter, one Redis exporter per Redis (ports counted up). */
export function fleetAgentPorts(host: Pick<FleetHost, "redis">): { readonly nodeExporter: number; readonly redisExporters: readonly number[] } {
    return {
        nodeExporter: containerPorts.nodeExporter,
        redisExporters: host.redis.map((_, i) => containerPorts.redisExporter + i),
    };
}

/** Basic-auth user Prometheus presents to `tls` agents. */
export const fleetAgentUser = "prometheus";

/**
 * Files Prometheus reads to scrape `tls` agents, inside the prometheus release (so a swap carries
 * them like the rest): the CA that signed the agents' certificates and the basic-auth password.
 * The deploy (components/) writes them; the scrape config (render/prometheus.ts) points at them.
 */
export const fleetScrapeFiles = {
    /** Relative to the prometheus release directory. */
    caCert: "secrets/fleet-ca.crt",
    password: "secrets/fleet-agent-password",
    /**
     * Prometheus' client certificate and key (signed by the same CA), which every `tls` agent
     * requires: redis_exporter 1.74 takes basic auth only as an argument or environment variable,
     * so client certificates are what keep its metrics private (tls_config cert_file/key_file).
     */
    clientCert: "secrets/fleet-client.crt",
    clientKey: "secrets/fleet-client.key",
} as const;
