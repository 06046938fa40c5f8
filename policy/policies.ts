// Guardrails for this stack as CrossGuard policies: the invariants the program keeps by
// construction (components/service.ts, components/host.ts, render/grafana.ts), checked again on
// what the engine is about to deploy, so no later change can silently break them.
// No PolicyPack is constructed here: tests import this module (see policy/index.ts).
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isPrivateAddress, isUnspecifiedAddress } from "../config/units";

/** Addresses a published port may bind to: nothing but SSH is reachable from outside. */
export const loopbackAddresses: readonly string[] = ["127.0.0.1", "::1"];

/** The stack whose data must survive: its server and volumes must carry `protect`. */
export const protectedStack = "prod";

/**
 * Reads a string property that may not be known yet: during a first preview a container's `image`
 * is the RemoteImage's id, still unknown, and the SDK's proxy throws on reading an unknown value
 * (which would turn the whole check into "can't run policy during preview"). The raw value is an
 * internal sentinel string, so catching the read is the only version-proof test.
 */
function knownString(props: Record<string, unknown>, key: string): string | undefined {
    try {
        const value = props[key];
        return typeof value === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** Stack name from a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string | undefined {
    return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/**
 * Why an image reference is not pinned, or undefined when it is: a digest, or a tag other than
 * `latest` (no tag means Docker pulls `latest`). Image ids (`sha256:…`) are not references and pass.
 */
export function imagePinProblem(reference: string): string | undefined {
    if (/^sha256:/.test(reference)) return undefined;
    if (/@[a-z0-9]+:[a-f0-9]{32,}$/i.test(reference)) return undefined;
    if (reference.includes("@")) return "its digest is malformed";
    // The tag follows the last ':' of the last path segment (a ':' before a '/' is a registry port).
    const lastSegment = reference.slice(reference.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return "it has no tag, so Docker pulls :latest";
    const tag = lastSegment.slice(colon + 1);
    if (tag === "") return "its tag is empty";
    if (tag.toLowerCase() === "latest") return "its tag is :latest, which moves";
    return undefined;
}

/** `KEY=value` entries of a container environment, by key (the first '=' splits). */
function parseEnvs(envs: readonly string[] | undefined): Map<string, string> {
    const parsed = new Map<string, string>();
    for (const entry of envs ?? []) {
        const eq = entry.indexOf("=");
        parsed.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? "" : entry.slice(eq + 1));
    }
    return parsed;
}

const isGrafanaImage = (image: string) => /(^|\/)grafana(-oss|-enterprise)?([:@]|$)/i.test(image);

/** 1. Published ports bind to loopback only; the UIs are reached through the SSH tunnel. */
export const containersPublishOnLoopbackOnly: ResourceValidationPolicy = {
    name: "containers-publish-on-loopback-only",
    description: "Docker containers publish ports only on 127.0.0.1 or ::1 (a port without ip binds 0.0.0.0) and never use publishAllPorts.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(docker.Container, (container, args, reportViolation) => {
        if (container.publishAllPorts === true) {
            reportViolation(`Container "${args.name}" sets publishAllPorts, which publishes every exposed port on 0.0.0.0: ` +
                `remove publishAllPorts and publish single ports with ip "127.0.0.1" (Service's publish option).`);
        }
        for (const port of container.ports ?? []) {
            const ip = port.ip ?? "";
            if (loopbackAddresses.includes(ip)) continue;
            const where = ip === "" ? "no ip, so it binds 0.0.0.0" : `ip "${ip}"`;
            reportViolation(`Container "${args.name}" publishes port ${port.external ?? port.internal} with ${where}: ` +
                `set ports[].ip to "127.0.0.1" and reach it through the SSH tunnel.`);
        }
    }),
};

/** 2. Inbound traffic: SSH (one TCP port) and ICMP, nothing else. */
export const firewallInboundSshAndIcmpOnly: ResourceValidationPolicy = {
    name: "firewall-inbound-ssh-and-icmp-only",
    description: "Hetzner firewalls allow inbound only SSH (TCP on a single port) and ICMP.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(hcloud.Firewall, (firewall, args, reportViolation) => {
        const tcpPorts = new Set<string>();
        for (const rule of firewall.rules ?? []) {
            if (rule.direction !== "in") continue;
            const label = `inbound rule ${rule.protocol}${rule.port ? ` ${rule.port}` : ""}`;
            if (rule.protocol === "icmp") continue;
            if (rule.protocol !== "tcp") {
                reportViolation(`Firewall "${args.name}" has ${label}: only SSH (tcp) and icmp may come in; ` +
                    `remove the rule and reach services through the SSH tunnel.`);
                continue;
            }
            if (!/^\d+$/.test(rule.port ?? "")) {
                reportViolation(`Firewall "${args.name}" has ${label}, which is not a single port: ` +
                    `open only the SSH port (sshPort), e.g. port "22".`);
                continue;
            }
            tcpPorts.add(rule.port ?? "");
        }
        if (tcpPorts.size > 1) {
            reportViolation(`Firewall "${args.name}" opens tcp ports ${[...tcpPorts].join(", ")}: ` +
                `only the SSH port may be open; remove the others and use the SSH tunnel.`);
        }
    }),
};

function reportUnpinned(kind: string, args: ResourceValidationArgs, reference: string, reportViolation: ReportViolation): void {
    const problem = imagePinProblem(reference);
    if (problem) {
        reportViolation(`${kind} "${args.name}" uses image "${reference}", but ${problem}: ` +
            `pin an exact version tag (e.g. prom/prometheus:v3.5.0) or a digest (@sha256:…).`);
    }
}

/** 3. Images are pinned, so an upgrade is a reviewed config change, never a surprise pull. */
export const imagesPinned: ResourceValidationPolicy = {
    name: "images-pinned",
    description: "Docker RemoteImage names and Container image references carry an exact tag (not latest) or a digest.",
    enforcementLevel: "mandatory",
    // One policy over two types, so validateResourceOfType (one class) does not fit here.
    validateResource: (args, reportViolation) => {
        const image = args.asType(docker.RemoteImage);
        if (image) return reportUnpinned("RemoteImage", args, image.name, reportViolation);
        if (args.isType(docker.Container)) {
            // Normally the RemoteImage's id (checked above through its name); a reference only when set directly.
            const reference = knownString(args.props, "image");
            if (reference !== undefined) reportUnpinned("Container", args, reference, reportViolation);
            return;
        }
        args.notApplicable("Policy only applies to docker RemoteImage and Container resources");
    },
};

/** 4. A runaway container cannot eat the host's memory or disk. */
export const containersLimitMemoryAndRotateLogs: ResourceValidationPolicy = {
    name: "containers-limit-memory-and-rotate-logs",
    description: "Docker containers have a memory limit and json-file logging with max-size rotation.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(docker.Container, (container, args, reportViolation) => {
        if (!(typeof container.memory === "number" && container.memory > 0)) {
            reportViolation(`Container "${args.name}" has no memory limit: set memory (MB), e.g. through the service's <name>MemoryMb config.`);
        }
        if (container.logDriver !== "json-file") {
            reportViolation(`Container "${args.name}" uses log driver "${container.logDriver ?? "(daemon default)"}": ` +
                `set logDriver "json-file" with logOpts max-size and max-file.`);
        }
        const maxSize = container.logOpts?.["max-size"];
        if (!maxSize) {
            reportViolation(`Container "${args.name}" does not rotate its logs: set logOpts["max-size"] (e.g. "10m", config logMaxSize).`);
        }
    }),
};

/** 5. Grafana is private: no anonymous viewers, no self sign-up, no password in the environment. */
export const grafanaNoAnonymousOrSignUp: ResourceValidationPolicy = {
    name: "grafana-no-anonymous-or-signup",
    description: "Grafana containers set GF_AUTH_ANONYMOUS_ENABLED=false and GF_USERS_ALLOW_SIGN_UP=false and never pass GF_SECURITY_ADMIN_PASSWORD in plaintext.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(docker.Container, (container, args, reportViolation) => {
        const image = knownString(args.props, "image");
        const isGrafana = /grafana/i.test(container.name ?? "") || (image !== undefined && isGrafanaImage(image));
        if (!isGrafana) return;
        const envs = parseEnvs(container.envs);
        const required: readonly [string, string][] = [
            ["GF_AUTH_ANONYMOUS_ENABLED", "anonymous access"],
            ["GF_USERS_ALLOW_SIGN_UP", "sign-up"],
        ];
        for (const [key, what] of required) {
            const value = envs.get(key);
            if (value?.toLowerCase() !== "false") {
                reportViolation(`Grafana container "${args.name}" does not turn ${what} off (${key}=${value ?? "unset"}): ` +
                    `set ${key}=false in its envs (render/grafana.ts grafanaEnvironment).`);
            }
        }
        if (envs.has("GF_SECURITY_ADMIN_PASSWORD")) {
            reportViolation(`Grafana container "${args.name}" passes GF_SECURITY_ADMIN_PASSWORD in its environment: ` +
                `write the password to a secret file and set GF_SECURITY_ADMIN_PASSWORD__FILE instead.`);
        }
    }),
};

function requireProtect(kind: string, what: string, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const stack = stackOfUrn(args.urn);
    if (stack !== protectedStack) {
        args.notApplicable(`Only the ${protectedStack} stack must protect its ${what} (this is ${stack ?? "an unknown stack"})`);
    }
    // The engine passes resource options to policies (PolicyResourceOptions.protect).
    if (!args.opts.protect) {
        reportViolation(`${kind} "${args.name}" is not protected in stack ${protectedStack}: ` +
            `register it with { protect: true } (config protect: true), so no update can delete its data.`);
    }
}

/** 6. In prod, Pulumi refuses to delete the server or a data volume. */
export const prodDataProtected: ResourceValidationPolicy = {
    name: "prod-data-protected",
    description: "In the prod stack, docker Volumes, hcloud Volumes and hcloud Servers are registered with protect: true.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.isType(docker.Volume)) return requireProtect("Volume", "data volumes", args, reportViolation);
        const dataVolume = args.asType(hcloud.Volume);
        if (dataVolume) {
            requireProtect("Volume", "data volumes", args, reportViolation);
            if (dataVolume.deleteProtection !== true) {
                reportViolation(`Volume "${args.name}" has no Hetzner delete protection in stack ${protectedStack}: set deleteProtection to true.`);
            }
            return;
        }
        const server = args.asType(hcloud.Server);
        if (server) {
            requireProtect("Server", "server", args, reportViolation);
            // Adopted servers leave deleteProtection unset (ignored); an explicit false undoes Hetzner's own guard.
            if (server.deleteProtection === false) {
                reportViolation(`Server "${args.name}" turns Hetzner delete protection off in stack ${protectedStack}: ` +
                    `set deleteProtection (and rebuildProtection) to true.`);
            }
            return;
        }
        args.notApplicable("Policy only applies to docker Volume, hcloud Volume and hcloud Server resources");
    },
};

/** How many entries an input list has, or undefined while the list itself is unknown (first preview). */
function knownLength(props: Record<string, unknown>, key: string): number | undefined {
    try {
        const value = props[key];
        return Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : undefined;
    } catch {
        return undefined;
    }
}

/**
 * 7. A server Hetzner creates is behind the firewall from its first boot: firewallIds on the server
 * itself (a FirewallAttachment only applies after the server has booted). Adopted servers are
 * imported, have no image input and get the firewall through the attachment.
 */
export const serversFirewalledFromFirstBoot: ResourceValidationPolicy = {
    name: "servers-firewalled-from-first-boot",
    description: "hcloud Servers that are created (with an image) list their firewall in firewallIds, so no boot is ever exposed.",
    enforcementLevel: "mandatory",
    // Reads the raw props: the typed view would throw on the firewall id, unknown in a first preview.
    validateResource: validateResourceOfType(hcloud.Server, (_server, args, reportViolation) => {
        if (knownString(args.props, "image") === undefined) {
            args.notApplicable("Only servers created from an image; adopted servers get the firewall by attachment");
        }
        if (knownLength(args.props, "firewallIds") === 0) {
            reportViolation(`Server "${args.name}" is created without firewallIds, so it boots before any firewall applies: ` +
                `set firewallIds: [firewall.id.apply(Number)] on the server (components/host.ts newServer).`);
        }
    }),
};

/**
 * The listen addresses a container's command line gives (`--web.listen-address=<host>:<port>`, also
 * as two words or with one dash, as redis_exporter accepts), each as its host part ("" for `:9100`).
 */
export function listenAddresses(command: readonly string[]): string[] {
    const values: string[] = [];
    command.forEach((arg, i) => {
        const m = /^--?web\.listen-address(?:=(.*))?$/.exec(arg);
        if (!m) return;
        const value = m[1] ?? command[i + 1] ?? "";
        const bracketed = /^\[([^\]]*)\]:\d*$/.exec(value);
        values.push(bracketed ? bracketed[1] : value.slice(0, Math.max(value.lastIndexOf(":"), 0)));
    });
    return values;
}

/** Why an agent may not listen on `address`, or undefined when it is private or loopback. */
function listenProblem(address: string): string | undefined {
    if (isUnspecifiedAddress(address)) return address === "" ? "no address, so every interface" : `${address}, every interface`;
    if (!isPrivateAddress(address)) return `${address}, which is not a private or loopback address`;
    return undefined;
}

/**
 * 8. Agents on any host (the monitoring host's and the fleet's) are reached only on private
 * addresses: a published port names a private or loopback ip, and a container on the host network
 * (which publishes nothing and listens wherever its process binds) passes a listen address that is one.
 */
export const agentsListenOnPrivateAddressesOnly: ResourceValidationPolicy = {
    name: "agents-listen-on-private-addresses-only",
    description: "No container publishes a port on a public or all-interfaces address, and every host-network container binds its --web.listen-address to a private or loopback address.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(docker.Container, (container, args, reportViolation) => {
        for (const port of container.ports ?? []) {
            const problem = listenProblem(port.ip ?? "");
            if (problem) {
                reportViolation(`Container "${args.name}" publishes port ${port.external ?? port.internal} on ${problem}: ` +
                    "bind it to the host's private address (fleet hosts) or 127.0.0.1.");
            }
        }
        if (container.networkMode !== "host") return;
        const addresses = listenAddresses(container.command ?? []);
        if (addresses.length === 0) {
            reportViolation(`Container "${args.name}" shares the host network without --web.listen-address, so it listens on every interface: ` +
                "pass --web.listen-address=<private address>:<port> (render/fleet.ts fleetAgents).");
        }
        for (const address of addresses) {
            const problem = listenProblem(address);
            if (problem) {
                reportViolation(`Container "${args.name}" shares the host network and listens on ${problem}: ` +
                    "set --web.listen-address to the host's private address (hosts[].address).");
            }
        }
    }),
};

export const policies: ResourceValidationPolicy[] = [
    containersPublishOnLoopbackOnly,
    firewallInboundSshAndIcmpOnly,
    imagesPinned,
    containersLimitMemoryAndRotateLogs,
    grafanaNoAnonymousOrSignUp,
    prodDataProtected,
    serversFirewalledFromFirstBoot,
    agentsListenOnPrivateAddressesOnly,
];
