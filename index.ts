// Reads and validates the stack's configuration, then wires the host and the monitoring stack.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Fleet } from "./components/fleet";
import { createDockerProvider, Host } from "./components/host";
import { deployWarnings } from "./config/nudges";
import { loadProgramConfig } from "./config/program";
import { localUrls, sshCommand, tunnelCommand } from "./render/access";
import { MonitoringStack } from "./components/stack";
import { stackDashboards } from "./config/dashboards";
import { alertRouting, grafanaPasswordSummary, retentionSummary } from "./render/summary";
import { GrafanaApi } from "./components/grafanaApi";
import { grafanaApiPlan } from "./render/grafanaApi";
import { serviceDataDirs } from "./render/dataVolume";

// Throws with every problem listed before any resource is registered.
const config = loadProgramConfig();
const m = config.monitoring;
for (const warning of deployWarnings(m)) void pulumi.log.warn(warning);

const host = new Host("host", { config: config.host, stack: config.stack, dataDirs: serviceDataDirs(m) });
const dockerProvider = createDockerProvider("docker", host);

const externalGrafana = m.remote.grafana.mode === "external" ? m.remote.grafana : undefined;
// An external Grafana has its own users: no admin password of ours.
const adminPassword: pulumi.Output<string> = m.grafana.adminPassword !== undefined || externalGrafana
    ? pulumi.secret(m.grafana.adminPassword ?? "")
    : new random.RandomPassword("grafana-admin-password", { length: 24, special: false }).result;
// Built with this stack's thresholds (dashboards/*.json is the same for the defaults), and the user's own.
const dashboards = stackDashboards(m.alertThresholds);

// The other machines watched (issue 13): private network, agents over SSH, scrape credentials.
const fleet = m.hosts.length === 0 && config.privateNetwork === undefined ? undefined : new Fleet("fleet", {
    config: m,
    privateNetwork: config.privateNetwork,
    monitoringServerId: host.server?.id.apply(Number),
    sshPrivateKey: config.host.sshPrivateKey,
    labels: { "managed-by": "pulumi", stack: config.stack },
    networkName: config.host.serverName,
});

new MonitoringStack("monitoring", {
    config: m,
    shell: host.shell,
    protectData: config.host.protect,
    // With a data volume, nothing starts before it is mounted.
    hostReady: host.storageReady,
    dashboards,
    grafanaAdminPassword: adminPassword,
    prometheusFiles: fleet?.prometheusFiles,
}, { providers: [dockerProvider] });

if (externalGrafana) {
    new GrafanaApi("grafana", { url: externalGrafana.url, token: pulumi.secret(externalGrafana.token), plan: grafanaApiPlan(m, dashboards) });
}

const sshTarget = pulumi.all([host.address, host.hostKey]).apply(([address, hostKey]) =>
    ({ user: config.host.sshUser, address, port: config.host.sshPort, hostKey: hostKey || undefined }));

export const ipv4 = host.ipv4;
export const ipv6 = host.ipv6;
/** Append to ~/.ssh/known_hosts to use plain `ssh` (empty when the host key is not known). */
export const knownHosts = host.knownHosts;
// The local stack publishes on this machine's loopback: no SSH, no tunnel.
const remote = config.host.mode !== "local";
export const ssh = remote ? sshTarget.apply(sshCommand) : "";
export const tunnel = remote ? sshTarget.apply((t) => tunnelCommand(m, t)) : "";
export const urls = localUrls(m);
export const grafanaAdminUser = m.grafana.adminUser;
export const grafanaAdminPassword = pulumi.secret(adminPassword);
/** How long history is kept: time and size. */
export const retention = retentionSummary(m);
/** Where the Grafana admin password comes from and how to read it (not the password). */
export const grafanaAdminPasswordSource = grafanaPasswordSummary(m, config.stack);
/** Who is paged for each severity, and where the Watchdog goes. */
export const alertsGoTo = alertRouting(m);
