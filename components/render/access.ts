// How a person reaches the stack: the SSH command, one tunnel for all three UIs, and the URLs.
import { MonitoringConfig } from "../config";

export interface SshTarget {
    readonly user: string;
    readonly address: string;
    readonly port: number;
}

function sshDestination(t: SshTarget): string {
    const port = t.port === 22 ? "" : `-p ${t.port} `;
    return `${port}${t.user}@${t.address}`;
}

export function sshCommand(t: SshTarget): string {
    return `ssh ${sshDestination(t)}`;
}

/** The published loopback ports, by UI. The tunnel forwards each to the same local port. */
export function uiPorts(m: MonitoringConfig): Record<"grafana" | "prometheus" | "alertmanager", number> {
    return { grafana: m.grafana.port, prometheus: m.prometheus.port, alertmanager: m.alertmanager.port };
}

export function tunnelCommand(m: MonitoringConfig, t: SshTarget): string {
    const forwards = Object.values(uiPorts(m)).map((p) => `-L ${p}:127.0.0.1:${p}`).join(" ");
    return `ssh -N ${forwards} ${sshDestination(t)}`;
}

export function localUrls(m: MonitoringConfig): Record<string, string> {
    return Object.fromEntries(Object.entries(uiPorts(m)).map(([ui, p]) => [ui, `http://localhost:${p}`]));
}
