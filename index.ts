// Reads and validates the stack's configuration, then wires the host and the monitoring stack.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createDockerProvider, Host } from "./components/host";
import { loadProgramConfig } from "./config/program";
import { localUrls, sshCommand, tunnelCommand } from "./render/access";
import { MonitoringStack } from "./components/stack";
import { dashboardFiles } from "./dashboards/src";
import { serviceDataDirs } from "./render/dataVolume";

// Throws with every problem listed before any resource is registered.
const config = loadProgramConfig();
const m = config.monitoring;

const host = new Host("host", { config: config.host, stack: config.stack, dataDirs: serviceDataDirs(m) });
const dockerProvider = createDockerProvider("docker", host);

const adminPassword: pulumi.Output<string> = m.grafana.adminPassword !== undefined
    ? pulumi.secret(m.grafana.adminPassword)
    : new random.RandomPassword("grafana-admin-password", { length: 24, special: false }).result;

new MonitoringStack("monitoring", {
    config: m,
    shell: host.shell,
    protectData: config.host.protect,
    // With a data volume, nothing starts before it is mounted.
    hostReady: host.storageReady,
    // Built with this stack's thresholds; dashboards/*.json is the same for the defaults.
    dashboards: dashboardFiles(m.alertThresholds),
    grafanaAdminPassword: adminPassword,
}, { providers: [dockerProvider] });

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
