// Fleet hosts for the rehearsal: one Linux network namespace per host, joined to this machine's
// root namespace by a veth pair with a /30 of a private test range, running Debian's
// node-exporter (and a stand-in app) on the namespace's address. Cutting a host off is taking its
// veth down. Only these addresses are ever contacted. Needs root (CI runs as root).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fleetAgentPorts, type FleetHost } from "../model/fleet";
import { launch, ready, httpOk, terminate, type Managed } from "./processes";

/** Run a command; throws with its stderr when it fails. */
export function sh(args: readonly string[]): void {
    const result = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${String(result.status)}: ${result.stderr}${result.error?.message ?? ""}`);
}

/** Run a command inside a namespace. */
export function inNs(namespace: string, args: readonly string[]): void {
    sh(["ip", "netns", "exec", namespace, ...args]);
}

/**
 * The test range: 10.213.<octet>.0/24, the octet from this process' id so two test processes
 * (or a test and the bench) never add the same address to the root namespace; a /30 per host.
 */
export function fleetTestRange(pid = process.pid): { readonly octet: number; readonly maxHosts: number } {
    return { octet: pid % 256, maxHosts: 64 };
}

export interface NamespaceHost {
    /** The FleetHost's name (its `host` label). */
    readonly name: string;
    readonly namespace: string;
    /** The root namespace's end of the veth pair: down = the host is cut off. */
    readonly veth: string;
    /** The host's address inside its namespace, where its agents listen. */
    readonly address: string;
}

export interface FleetNamespaces {
    readonly hosts: readonly NamespaceHost[];
    /** Host name → address inside its namespace: the only fleet addresses the rehearsal scrapes. */
    readonly addresses: ReadonlyMap<string, string>;
    /** Takes the host's link down (packets to it fail at once: "network unreachable"). */
    cut(name: string): void;
    restore(name: string): void;
    /** Stops the processes and deletes the namespaces (their veth pairs go with them). Idempotent. */
    remove(): Promise<void>;
}

const liveNamespaces = new Set<string>();
let exitHookInstalled = false;

/** Deletes namespaces this process created that are still there when Node exits (a crashed test). */
function removeOnExit(namespace: string): void {
    liveNamespaces.add(namespace);
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const ns of liveNamespaces) spawnSync("ip", ["netns", "del", ns]);
    });
}

/** The prefix of this process' namespaces and veths (interface names are at most 15 characters). */
const prefix = (pid: number): string => `vf${pid.toString(36)}`;

/**
 * node-exporter's collectors: `reachability` only the ones that read no machine-wide figures (uname,
 * time), so only reachability can alert in a rehearsal; `default` all of Debian's defaults, as a
 * real host exports them (the bench's series count).
 */
export type NamespaceCollectors = "reachability" | "default";

const collectorFlags: Readonly<Record<NamespaceCollectors, readonly string[]>> = {
    reachability: ["--collector.disable-defaults", "--collector.uname", "--collector.time"],
    default: [],
};

/**
 * Creates one namespace per name with Debian's node-exporter on `<address>:9100` and, with
 * `appPort`, a stand-in app answering on `<address>:<appPort>`.
 */
export async function startFleetNamespaces(names: readonly string[], options: {
    readonly dir: string;
    readonly nodeExporter: string;
    readonly collectors: NamespaceCollectors;
    readonly appPort?: number;
    readonly log?: (line: string) => void;
}): Promise<FleetNamespaces> {
    const { octet, maxHosts } = fleetTestRange();
    if (names.length > maxHosts) throw new Error(`at most ${maxHosts} namespace hosts`);
    const p = prefix(process.pid);
    const hosts: NamespaceHost[] = names.map((name, i) => ({
        name, namespace: `${p}-${i}`, veth: `${p}v${i}`, address: `10.213.${octet}.${4 * i + 2}`,
    }));
    const processes: Managed[] = [];
    const remove = async (): Promise<void> => {
        await Promise.all(processes.map(terminate));
        for (const h of hosts) {
            if (!liveNamespaces.has(h.namespace)) continue;
            spawnSync("ip", ["netns", "del", h.namespace]);
            liveNamespaces.delete(h.namespace);
        }
    };
    try {
        for (const [i, h] of hosts.entries()) {
            sh(["ip", "netns", "add", h.namespace]);
            removeOnExit(h.namespace);
            sh(["ip", "link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.namespace]);
            sh(["ip", "addr", "add", `10.213.${octet}.${4 * i + 1}/30`, "dev", h.veth]);
            sh(["ip", "link", "set", h.veth, "up"]);
            inNs(h.namespace, ["ip", "addr", "add", `${h.address}/30`, "dev", "eth0"]);
            inNs(h.namespace, ["ip", "link", "set", "eth0", "up"]);
            inNs(h.namespace, ["ip", "link", "set", "lo", "up"]);
            const nodePort = fleetAgentPorts({ redis: [] }).nodeExporter;
            const node: Managed = { name: `node-exporter-${h.name}`, logFile: path.join(options.dir, `node-exporter-${h.name}.log`) };
            processes.push(node);
            launch(node, "ip", ["netns", "exec", h.namespace, options.nodeExporter, `--web.listen-address=${h.address}:${nodePort}`,
                ...collectorFlags[options.collectors]], options.dir);
            await ready(node, 10_000, () => httpOk(`http://${h.address}:${nodePort}/metrics`));
            const appPort = options.appPort;
            if (appPort === undefined) continue;
            const app: Managed = { name: `app-${h.name}`, logFile: path.join(options.dir, `app-${h.name}.log`) };
            processes.push(app);
            const appServer = `require("http").createServer((q,s)=>s.end("# stand-in app\\nfleet_app_up 1\\n")).listen(${appPort},${JSON.stringify(h.address)})`;
            launch(app, "ip", ["netns", "exec", h.namespace, process.execPath, "-e", appServer], options.dir);
            await ready(app, 10_000, () => httpOk(`http://${h.address}:${appPort}/metrics`));
            options.log?.(`fleet host ${h.name}: namespace ${h.namespace}, ${h.address} (veth ${h.veth})`);
        }
    } catch (e) {
        await remove();
        throw e;
    }
    const byName = (name: string): NamespaceHost => {
        const h = hosts.find((x) => x.name === name);
        if (!h) throw new Error(`no namespace host ${name}`);
        return h;
    };
    return {
        hosts,
        addresses: new Map(hosts.map((h) => [h.name, h.address])),
        cut: (name) => sh(["ip", "link", "set", byName(name).veth, "down"]),
        restore: (name) => sh(["ip", "link", "set", byName(name).veth, "up"]),
        remove,
    };
}

/** FleetHosts for namespace hosts: private-network transport, agents already running, an app job if given. */
export function namespaceFleet(hosts: readonly NamespaceHost[], app?: { readonly job: string; readonly port: number }): FleetHost[] {
    return hosts.map((h) => ({
        name: h.name, address: h.address, labels: { role: "rehearsal" }, agents: false, transport: "private-network",
        redis: [], apps: app === undefined ? [] : [{ job: app.job, port: app.port, metricsPath: "/metrics" }],
    }));
}

/** Whether this machine can create namespaces: root and `ip`. */
export function namespacesAvailable(): string | undefined {
    if (process.getuid?.() !== 0) return "network namespaces need root";
    if (spawnSync("ip", ["-V"]).error) return "ip (iproute2) not found; install it with `apt-get install iproute2`";
    if (!fs.existsSync("/var/run/netns") && spawnSync("ip", ["netns", "list"]).status !== 0) return "ip netns does not work here";
    return undefined;
}
