// How a person reaches the stack: the SSH command, one tunnel for all three UIs, and the URLs.
import { MonitoringConfig } from "../model/stack";

export interface SshTarget {
    readonly user: string;
    readonly address: string;
    readonly port: number;
    /** The host's public host key ("ssh-ed25519 AAAA…"); undefined when it is not known in advance. */
    readonly hostKey?: string;
}

/** The host as known_hosts names it: `address`, or `[address]:port` off port 22. */
export function knownHostsLine(t: SshTarget & { readonly hostKey: string }): string {
    const host = t.port === 22 ? t.address : `[${t.address}]:${t.port}`;
    return `${host} ${t.hostKey.trim()}`;
}

/**
 * ssh options that trust exactly the expected host key, with no trust on first use and nothing
 * written to ~/.ssh/known_hosts (KnownHostsCommand needs OpenSSH 8.5 or later).
 */
export function hostKeyOptions(t: SshTarget): string[] {
    if (t.hostKey === undefined) return [];
    return ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null",
        "-o", `KnownHostsCommand=/bin/echo ${knownHostsLine({ ...t, hostKey: t.hostKey })}`];
}

/**
 * One word of a POSIX shell command line: as is when it holds only characters no shell treats
 * specially, else single-quoted (a ' inside becomes '\''). What we print is pasted into shells.
 */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function commandLine(words: readonly string[]): string {
    return words.map(shellWord).join(" ");
}

/** ssh's arguments that reach the host: host key options, port, user@address. */
function sshDestination(t: SshTarget): string[] {
    return [...hostKeyOptions(t), ...(t.port === 22 ? [] : ["-p", String(t.port)]), `${t.user}@${t.address}`];
}

export function sshCommand(t: SshTarget): string {
    return commandLine(["ssh", ...sshDestination(t)]);
}

/** The published loopback ports, by UI. The tunnel forwards each to the same local port. An external Grafana is not on the host. */
export function uiPorts(m: MonitoringConfig): Partial<Record<"grafana" | "prometheus" | "alertmanager", number>> {
    const grafana = m.remote.grafana.mode === "embedded" ? { grafana: m.grafana.port } : {};
    return { ...grafana, prometheus: m.prometheus.port, alertmanager: m.alertmanager.port };
}

export function tunnelCommand(m: MonitoringConfig, t: SshTarget): string {
    const forwards = Object.values(uiPorts(m)).flatMap((p) => ["-L", `${p}:127.0.0.1:${p}`]);
    return commandLine(["ssh", "-N", ...forwards, ...sshDestination(t)]);
}

export function localUrls(m: MonitoringConfig): Record<string, string> {
    const urls = Object.fromEntries(Object.entries(uiPorts(m)).map(([ui, p]) => [ui, `http://localhost:${p}`]));
    return m.remote.grafana.mode === "external" ? { grafana: m.remote.grafana.url, ...urls } : urls;
}
