// The fleet keys (issue 13): `hosts`, the machines watched besides the monitoring host, and the
// stack's Hetzner private network (`privateNetwork*`). Parsed at the edge like the rest: every
// problem names its key and index (`hosts[1].ssh.hostKey: …`) and says the fix.
import { z } from "zod";
import type { FleetHost, FleetTransport, PrivateNetworkConfig } from "../model/fleet";
import { fleetAgentPorts, pushAgentPrometheusPort, pushHostAgentAddress } from "../model/fleet";
import type { HostMode } from "../model/stack";
import { labelNamePattern } from "../render/promql";
import { hetznerNetworkZone, monitoringPrivateIp } from "../render/fleet";
import { checkedText, flag, item, list, oneOf, optional, optionalText, wholeNumber } from "./fields";
import { ipv4CidrBounds, ipv4InCidr, ipv4ToNumber, isIpv4Address, isIpv4Cidr, isIpv6Address, isPrivateAddress, isUnspecifiedAddress } from "./units";

/** RFC 1123 host names, as for sshHost. */
const hostNamePattern = /^(?=.{1,253}\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const posixUserPattern = /^[a-z_][a-z0-9_-]{0,31}$/;
const hostKeyPattern = /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+$/;
const jobNamePattern = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
/**
 * A host's name is the `host` label's value, and also part of resource and container names and
 * file paths: letters, digits, `.`, `_` and `-`.
 */
const hostNameLabelPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Labels the fleet sets itself: a host's own labels may not replace them. */
const reservedFleetLabels = ["host", "job", "instance"];

const isIp = (v: string) => isIpv4Address(v) || isIpv6Address(v);
const port = wholeNumber(0, 1, 65535).refine((p) => p > 0, "required; the port number (1 to 65535)");

const fleetLabels = z.record(z.string(), z.unknown(), { error: "expected a map of label name to value" }).default({})
    .transform((labels, ctx) => Object.fromEntries(Object.entries(labels).map(([name, value]) => {
        const problems = [
            reservedFleetLabels.includes(name) ? `${name} is set by the fleet itself (host: the host's name, job and instance: per target); remove it` : undefined,
            name.startsWith("__") ? "names starting with __ are reserved for Prometheus' own labels; rename it" : undefined,
            labelNamePattern.test(name) ? undefined : "not a valid Prometheus label name; use letters, digits and _, not starting with a digit",
            ["string", "number", "boolean"].includes(typeof value) ? undefined : `expected a text value, got ${JSON.stringify(value)}`,
        ];
        for (const message of problems.filter((p) => p !== undefined)) ctx.issues.push({ code: "custom", input: value, path: [name], message });
        return [name, String(value)];
    })));

const sshSchema = item({
    user: checkedText((v) => posixUserPattern.test(v), "is not a POSIX user name; use lowercase letters, digits, _ and - (e.g. deploy)", "deploy"),
    port: wholeNumber(22, 1, 65535),
    address: optional(checkedText((v) => hostNamePattern.test(v) || isIp(v), "is not a host name or IP address; write it like bot1.example.com or 203.0.113.7")),
    hostKey: optional(checkedText((v) => hostKeyPattern.test(v.trim()),
        "is not a host public key; take the key type and key of `ssh-keyscan -t ed25519 <host>` (without the host name)")),
}, "ssh", "an object with user, port and hostKey");

const fleetRedisSchema = item({
    name: checkedText((v) => /^[a-z0-9][a-z0-9-]*$/.test(v), "must be lowercase letters, digits and -"),
    port: wholeNumber(6379, 1, 65535),
    password: optionalText,
}, "a Redis server of a host", "an object with name and port");

const fleetAppSchema = item({
    job: checkedText((v) => jobNamePattern.test(v), "must start with a letter and use letters, digits, _ or -"),
    port,
    metricsPath: checkedText((v) => v.startsWith("/"), "must start with /", "/metrics"),
}, "an app of a host", "an object with job and port");

/** One `hosts` item as written; transport and the checks across fields come in `resolveFleet`. */
export const fleetHostSchema = item({
    name: checkedText((v) => hostNameLabelPattern.test(v), "is not a usable host name; use letters, digits, ., _ and - (at most 63), e.g. bot-primary"),
    /** Required, except on a push host (which has none: its agents listen on loopback). */
    address: optionalText,
    labels: fleetLabels,
    agents: flag(true),
    push: flag(false),
    ssh: optional(sshSchema),
    hetznerServerId: optional(wholeNumber(0, 1, Number.MAX_SAFE_INTEGER)),
    transport: optional(oneOf(["private-network", "tls"], "tls", "must be private-network or tls")),
    redis: list(fleetRedisSchema),
    apps: list(fleetAppSchema),
}, "a host", "an object with name and address");

export type RawFleetHost = z.output<typeof fleetHostSchema>;

export interface PrivateNetworkKeys {
    /** `privateNetwork`: create the network even when no host needs it. */
    readonly enabled: boolean;
    readonly ipRange: string;
    readonly subnetRange: string;
}

export interface FleetContext {
    readonly mode: HostMode;
    readonly location: string;
    /** The monitoring host's own `host` label: no fleet host may take it. */
    readonly hostLabel: string;
    /** How many `remoteWrite` stores the user named (a push host needs one: the embedded store is not reachable). */
    readonly remoteWriteStores: number;
}

export interface ParsedFleet {
    readonly hosts: FleetHost[];
    readonly privateNetwork?: PrivateNetworkConfig;
    readonly problems: string[];
}

const isHetzner = (mode: HostMode) => mode === "hetzner" || mode === "hetzner-existing";

/** Problems of the private network keys (when the network is created). */
function privateNetworkProblems(keys: PrivateNetworkKeys): string[] {
    const problems: string[] = [];
    const rfc1918 = (cidr: string) => ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((outer) => {
        const inner = ipv4CidrBounds(cidr);
        const bounds = ipv4CidrBounds(outer);
        return inner.first >= bounds.first && inner.last <= bounds.last;
    });
    const rangeOk = isIpv4Cidr(keys.ipRange) && rfc1918(keys.ipRange) && Number(keys.ipRange.split("/")[1]) <= 24;
    if (!rangeOk) problems.push(`privateNetworkRange: "${keys.ipRange}" must be a private IPv4 range (10/8, 172.16/12 or 192.168/16) of /24 or larger, e.g. 10.92.0.0/16`);
    const subnetOk = isIpv4Cidr(keys.subnetRange) && Number(keys.subnetRange.split("/")[1]) <= 29;
    if (!subnetOk) problems.push(`privateSubnetRange: "${keys.subnetRange}" must be an IPv4 CIDR of /29 or larger, e.g. 10.92.0.0/24`);
    if (rangeOk && subnetOk) {
        const outer = ipv4CidrBounds(keys.ipRange);
        const inner = ipv4CidrBounds(keys.subnetRange);
        if (inner.first < outer.first || inner.last > outer.last) {
            problems.push(`privateSubnetRange: ${keys.subnetRange} is not inside privateNetworkRange ${keys.ipRange}; pick a subnet of it, e.g. ${keys.ipRange.split("/")[0]}/24`);
        }
    }
    return problems;
}

/**
 * The fleet: hosts with their transport decided, the private network when the stack needs one,
 * and every problem across fields and hosts.
 */
export function resolveFleet(raw: readonly RawFleetHost[], keys: PrivateNetworkKeys, context: FleetContext): ParsedFleet {
    const problems: string[] = [];
    const hetzner = isHetzner(context.mode);
    const onNetwork = raw.some((h) => h.hetznerServerId !== undefined);
    if (keys.enabled && !hetzner) {
        problems.push(`privateNetwork: the monitoring host is not on Hetzner (hostMode ${context.mode}); set it to false, or reach the hosts over tls`);
    }
    const created = hetzner && (keys.enabled || onNetwork);
    const networkProblems = created ? privateNetworkProblems(keys) : [];
    problems.push(...networkProblems);
    const privateNetwork: PrivateNetworkConfig | undefined = created
        ? { ipRange: keys.ipRange, subnetRange: keys.subnetRange, networkZone: hetznerNetworkZone(context.location) }
        : undefined;
    const networkUsable = privateNetwork !== undefined && networkProblems.length === 0;
    const monitoringIp = networkUsable ? monitoringPrivateIp(keys.subnetRange) : undefined;

    const hosts = raw.map((h, i): FleetHost => {
        const key = `hosts[${i}]`;
        const check = (ok: boolean, problem: string) => { if (!ok) problems.push(problem); };
        if (h.push) return resolvePushHost(h, key, check, context);
        check(h.address !== undefined, `${key}.address: required; the address the monitoring host scrapes this host at (private-network, LAN or VPN), ` +
            "or set push: true for a host it cannot reach");
        const address = h.address ?? "";
        check(address === "" || hostNamePattern.test(address) || isIp(address),
            `${key}.address: "${address}" is not an IP address or host name; write it like 10.92.3.27`);
        check(address === "" || !isUnspecifiedAddress(address), `${key}.address: "${address}" means every interface; name the one address the monitoring host reaches, e.g. 10.92.3.27`);
        check(h.name !== context.hostLabel, `${key}.name: "${h.name}" is the monitoring host's own host label; name the host differently`);
        if (h.agents) {
            // Agents bind exactly this address: it must be one, and one nobody outside reaches.
            check(!isIp(address) || isPrivateAddress(address) && !address.startsWith("127.") && address !== "::1",
                `${key}.address: ${address} is not a private address; agents listen only on a private one (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), ` +
                "so give the host's private-network, LAN or VPN address, or set agents to false");
            check(isIp(address) || address === "", `${key}.address: "${address}" is a host name, but agents bind to an address; give the IP address (or set agents to false)`);
            check(h.ssh !== undefined, `${key}.ssh: agents are deployed over SSH; set ssh.user, ssh.port and ssh.hostKey (or set agents to false)`);
            check(h.ssh === undefined || h.ssh.hostKey !== undefined,
                `${key}.ssh.hostKey: required, so the deploy never trusts a key on first use; take it from \`ssh-keyscan -t ed25519 ${h.ssh?.address ?? address}\` and check it out of band`);
        }
        if (h.hetznerServerId !== undefined) {
            check(hetzner, `${key}.hetznerServerId: the monitoring host is not on Hetzner (hostMode ${context.mode}), so there is no private network to attach to; remove it and use transport tls`);
            if (networkUsable) {
                check(isIpv4Address(address) && ipv4InCidr(address, keys.subnetRange),
                    `${key}.address: ${address} is not in privateSubnetRange ${keys.subnetRange}; a host attached by hetznerServerId gets this address there`);
                const { first, last } = ipv4CidrBounds(keys.subnetRange);
                const n = isIpv4Address(address) ? ipv4ToNumber(address) : NaN;
                check(!(n === first || n === last || n === ipv4CidrBounds(keys.ipRange).first + 1),
                    `${key}.address: ${address} is the subnet's network or broadcast address or the network's gateway; pick another address in ${keys.subnetRange}`);
                check(address !== monitoringIp, `${key}.address: ${address} is the monitoring server's own private address; pick another address in ${keys.subnetRange}`);
            }
        }
        // The monitoring server routes the whole network range into the Hetzner network: a host
        // inside it that is not attached there would be unreachable.
        check(!networkUsable || h.hetznerServerId !== undefined || !isIpv4Address(address) || !ipv4InCidr(address, keys.ipRange),
            `${key}.address: ${address} is inside privateNetworkRange ${keys.ipRange}, which the monitoring server routes into the Hetzner network, ` +
            "but the host is not attached there; give its hetznerServerId, or move privateNetworkRange off the host's network");
        const attached = hetzner && h.hetznerServerId !== undefined;
        const transport: FleetTransport = h.transport ?? (attached ? "private-network" : "tls");
        check(transport !== "private-network" || attached,
            `${key}.transport: private-network needs the host attached to the stack's Hetzner network (hetznerServerId, with the monitoring host on Hetzner); ` +
            "use tls for any other network");

        const redisNames = h.redis.map((r) => r.name);
        redisNames.forEach((n, j) => check(redisNames.indexOf(n) === j, `${key}.redis[${j}].name: "${n}" is used twice on this host; names must be unique per host`));
        const jobs = h.apps.map((a) => a.job);
        jobs.forEach((job, j) => check(jobs.indexOf(job) === j, `${key}.apps[${j}].job: "${job}" is used twice on this host`));
        if (h.agents) {
            const ports = fleetAgentPorts(h);
            const agentPorts = [ports.nodeExporter, ...ports.redisExporters];
            h.apps.forEach((a, j) => check(!agentPorts.includes(a.port),
                `${key}.apps[${j}].port: ${a.port} is taken by an agent on this host (node-exporter ${ports.nodeExporter}, Redis exporters from ${ports.redisExporters[0] ?? "-"}); the app must use another port`));
        }
        return {
            name: h.name, address, labels: h.labels, agents: h.agents,
            ssh: h.ssh && h.ssh.hostKey !== undefined
                ? { user: h.ssh.user, port: h.ssh.port, hostKey: h.ssh.hostKey.trim(), ...(h.ssh.address === undefined ? {} : { address: h.ssh.address }) }
                : undefined,
            hetznerServerId: h.hetznerServerId,
            transport,
            redis: h.redis.map((r) => ({ name: r.name, port: r.port, ...(r.password === undefined ? {} : { password: r.password }) })),
            apps: h.apps,
        };
    });
    const names = hosts.map((h) => h.name);
    names.forEach((n, i) => { if (names.indexOf(n) !== i) problems.push(`hosts[${i}].name: "${n}" is used twice; every host needs its own name (it is the host label)`); });
    // Every push host's agents are on its own loopback: only pulled hosts' addresses must differ.
    const addresses = hosts.map((h) => (h.push ? undefined : h.address));
    addresses.forEach((a, i) => { if (a !== undefined && addresses.indexOf(a) !== i) problems.push(`hosts[${i}].address: ${a} is also hosts[${addresses.indexOf(a)}]'s address`); });
    const serverIds = hosts.map((h) => h.hetznerServerId).filter((id) => id !== undefined);
    serverIds.forEach((id, i) => { if (serverIds.indexOf(id) !== i) problems.push(`hosts: hetznerServerId ${id} is given twice`); });
    return { hosts, privateNetwork, problems };
}

/**
 * A host the monitoring host cannot reach (`push: true`): it runs Prometheus in agent mode beside
 * its exporters and remote-writes to the user's stores. So it needs the deployed agents (and SSH
 * to deploy them, at `ssh.address`), and a `remoteWrite` store: the monitoring host's Prometheus
 * and VictoriaMetrics listen on its loopback only. It has no `address`: its agents listen on
 * 127.0.0.1 (pushHostAgentAddress), where only the agent Prometheus beside them scrapes them
 * over plain HTTP, so it has no `transport` either and is never on the private network.
 */
function resolvePushHost(h: RawFleetHost, key: string, check: (ok: boolean, problem: string) => void, context: FleetContext): FleetHost {
    check(h.name !== context.hostLabel, `${key}.name: "${h.name}" is the monitoring host's own host label; name the host differently`);
    check(h.agents, `${key}.agents: a push host runs Prometheus in agent mode beside its exporters, which the deploy puts there; set agents to true (with ssh), or remove push`);
    check(context.remoteWriteStores > 0,
        `${key}.push: a push host needs a remoteWrite store it can reach: the monitoring host's Prometheus and VictoriaMetrics listen on its loopback only; ` +
        "add an external store (VictoriaMetrics, Mimir, Grafana Cloud…) to remoteWrite, or remove push and let the monitoring host scrape the host");
    check(h.address === undefined,
        `${key}.address: a push host is never reached at an address: its agents listen on ${pushHostAgentAddress} for the agent Prometheus beside them; ` +
        "remove address and give the address the deploy reaches over SSH as ssh.address");
    check(h.transport === undefined, `${key}.transport: a push host is not scraped by the monitoring host, so it has no transport; remove it`);
    check(h.hetznerServerId === undefined,
        `${key}.hetznerServerId: a host on the stack's private network is reachable by the monitoring host; remove push to have it scraped, or remove hetznerServerId`);
    check(h.ssh !== undefined && h.ssh.address !== undefined,
        `${key}.ssh.address: required on a push host (it has no address to fall back to); the public address or name the deploy reaches over SSH, e.g. edge1.example.com`);
    check(h.ssh === undefined || h.ssh.hostKey !== undefined,
        `${key}.ssh.hostKey: required, so the deploy never trusts a key on first use; take it from \`ssh-keyscan -t ed25519 ${h.ssh?.address ?? "<ssh.address>"}\` and check it out of band`);
    const redisNames = h.redis.map((r) => r.name);
    redisNames.forEach((n, j) => check(redisNames.indexOf(n) === j, `${key}.redis[${j}].name: "${n}" is used twice on this host; names must be unique per host`));
    const jobs = h.apps.map((a) => a.job);
    jobs.forEach((job, j) => check(jobs.indexOf(job) === j, `${key}.apps[${j}].job: "${job}" is used twice on this host`));
    const ports = fleetAgentPorts(h);
    const taken = [ports.nodeExporter, ...ports.redisExporters, pushAgentPrometheusPort];
    h.apps.forEach((a, j) => check(!taken.includes(a.port),
        `${key}.apps[${j}].port: ${a.port} is taken on this host (node-exporter ${ports.nodeExporter}, agent Prometheus ${pushAgentPrometheusPort}, ` +
        `Redis exporters from ${ports.redisExporters[0] ?? "-"}); the app must use another port`));
    return {
        name: h.name, address: pushHostAgentAddress, labels: h.labels, agents: h.agents, push: true,
        ssh: h.ssh && h.ssh.hostKey !== undefined && h.ssh.address !== undefined
            ? { user: h.ssh.user, port: h.ssh.port, hostKey: h.ssh.hostKey.trim(), address: h.ssh.address }
            : undefined,
        // Plain HTTP: the agents and their only scraper share the host's loopback.
        transport: "private-network",
        redis: h.redis.map((r) => ({ name: r.name, port: r.port, ...(r.password === undefined ? {} : { password: r.password }) })),
        apps: h.apps,
    };
}

export const fleetHostsSchema = list(fleetHostSchema);
