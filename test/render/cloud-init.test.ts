import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { dataMountPath } from "../../model/dataSafety";
import { dockerDataVolumeDropIn, dockerDataVolumeDropInPath, volumeDevicePath } from "../../render/dataVolume";
import {
    autoUpgradesPath, hostCloudInit, renderPlaceholders, dockerDaemonPath, dockerMetadataDropInPath, metadataAddress, metadataBlockScript,
    metadataBlockScriptPath, metadataBlockUnit, metadataBlockUnitPath, renderCloudInit, sshHardeningPath, type CloudInitArgs,
} from "../../render/cloudInit";

interface CloudUser {
    name: string;
    groups: string[];
    sudo: string;
    shell: string;
    lock_passwd: boolean;
    ssh_authorized_keys: string[];
}
interface CloudConfig {
    groups: string[];
    users: CloudUser[];
    disable_root: boolean;
    ssh_pwauth: boolean;
    package_update: boolean;
    package_upgrade: boolean;
    packages: string[];
    write_files: { path: string; content: string; permissions: string; owner: string }[];
    mounts?: string[][];
    runcmd: string[][];
    ssh_keys: Record<string, string>;
    ssh_genkeytypes: string[];
    ssh_deletekeys: boolean;
}

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests deploy@laptop";
const hostKey = { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET\n-----END OPENSSH PRIVATE KEY-----\n", publicKey: "ssh-ed25519 AAAAhost\n" };
const defaults: CloudInitArgs = { user: "deploy", sshPublicKeys: [key], sshPort: 22, hostKey };

function parsed(args: Partial<CloudInitArgs> = {}): CloudConfig {
    const text = renderCloudInit({ ...defaults, ...args });
    assert.ok(text.startsWith("#cloud-config\n"), "cloud-init only reads YAML that starts with #cloud-config");
    return load(text) as CloudConfig;
}

function file(config: CloudConfig, path: string): string {
    const found = config.write_files.find((f) => f.path === path);
    assert.ok(found, `${path} is not written; files: ${config.write_files.map((f) => f.path).join(", ")}`);
    return found.content;
}

test("the deploy user is created with the keys, Docker and passwordless sudo, and no password", () => {
    const config = parsed({ sshPublicKeys: [key, "ssh-ed25519 AAAAsecond other@host"] });
    assert.deepEqual(config.groups, ["docker"], "docker group must exist before the users module runs");
    assert.equal(config.users.length, 1, "only the deploy user (no default ubuntu user)");
    const [user] = config.users;
    assert.equal(user.name, "deploy");
    assert.deepEqual(user.ssh_authorized_keys, [key, "ssh-ed25519 AAAAsecond other@host"]);
    assert.deepEqual([...user.groups].sort(), ["docker", "sudo"]);
    assert.equal(user.sudo, "ALL=(ALL) NOPASSWD:ALL");
    assert.equal(user.shell, "/bin/bash");
    assert.equal(user.lock_passwd, true);
});

test("root and password logins are disabled", () => {
    const config = parsed();
    assert.equal(config.disable_root, true);
    assert.equal(config.ssh_pwauth, false);
    const sshd = file(config, sshHardeningPath).split("\n");
    for (const line of ["PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no"]) {
        assert.ok(sshd.includes(line), `sshd drop-in lacks "${line}"`);
    }
    assert.ok(!sshd.some((l) => l.startsWith("Port")), "port 22 is sshd's default and needs no line");
});

test("a custom SSH port is set in the sshd drop-in and sshd is restarted", () => {
    const config = parsed({ sshPort: 2222 });
    assert.ok(file(config, sshHardeningPath).split("\n").includes("Port 2222"));
    const commands = config.runcmd.map((c) => c.join(" "));
    assert.ok(commands.some((c) => c.includes("systemctl restart ssh")), `no ssh restart in ${commands.join("; ")}`);
});

test("Docker, unattended upgrades and curl are installed on an upgraded system", () => {
    const config = parsed();
    assert.equal(config.package_update, true);
    assert.equal(config.package_upgrade, true);
    for (const p of ["docker.io", "unattended-upgrades", "curl"]) assert.ok(config.packages.includes(p), `package ${p} missing`);
    const autoUpgrades = file(config, autoUpgradesPath);
    assert.match(autoUpgrades, /APT::Periodic::Update-Package-Lists "1";/);
    assert.match(autoUpgrades, /APT::Periodic::Unattended-Upgrade "1";/);
    assert.ok(config.runcmd.some((c) => c.join(" ") === "systemctl enable --now docker"));
});

test("Docker rotates json-file logs and keeps containers running across daemon restarts", () => {
    const daemon = JSON.parse(file(parsed(), dockerDaemonPath)) as {
        "log-driver": string; "log-opts": Record<string, string>; "live-restore": boolean;
    };
    assert.equal(daemon["log-driver"], "json-file");
    assert.ok(daemon["log-opts"]["max-size"], "log max-size missing");
    assert.ok(Number(daemon["log-opts"]["max-file"]) >= 1, "log max-file missing");
    assert.equal(daemon["live-restore"], true);
});

test("long keys are not folded (lineWidth -1)", () => {
    const long = `ssh-rsa ${"A".repeat(700)} me@host`;
    const text = renderCloudInit({ ...defaults, sshPublicKeys: [long] });
    assert.ok(text.split("\n").some((line) => line.includes(long)));
});

test("the server presents only the generated ed25519 host key", () => {
    const config = parsed();
    assert.deepEqual(config.ssh_keys, { ed25519_private: hostKey.privateKey, ed25519_public: "ssh-ed25519 AAAAhost" });
    // cloud-init generates a listed type only when its key file is missing: ed25519's comes from ssh_keys.
    assert.equal(config.ssh_deletekeys, true, "the image's own host keys are removed");
    assert.deepEqual(config.ssh_genkeytypes, ["ed25519"]);
});

test("the metadata block is installed by its own unit, which Docker requires and starts after, on every boot", () => {
    const config = parsed();
    const script = config.write_files.find((f) => f.path === metadataBlockScriptPath);
    assert.equal(script?.permissions, "0755", "the unit executes the script directly");
    assert.equal(script?.content, metadataBlockScript());
    const unit = file(config, metadataBlockUnitPath).split("\n");
    assert.ok(unit.includes(`ExecStart=${metadataBlockScriptPath}`), unit.join("\n"));
    assert.ok(unit.includes("Before=docker.service"));
    assert.ok(unit.includes("Type=oneshot") && unit.includes("RemainAfterExit=yes"));
    assert.ok(unit.includes("WantedBy=multi-user.target"), "enabled on its own too, for boots without Docker");
    const dropIn = file(config, dockerMetadataDropInPath).split("\n");
    assert.ok(dockerMetadataDropInPath.startsWith("/etc/systemd/system/docker.service.d/"), "a drop-in for docker.service");
    // Requires, not Wants: if the rules cannot be installed, Docker (and so every container) stays down.
    assert.ok(dropIn.includes(`Requires=${metadataBlockUnit}`), dropIn.join("\n"));
    assert.ok(dropIn.includes(`After=${metadataBlockUnit}`), dropIn.join("\n"));
    // write_files runs in cloud-init's first stage; Docker is installed (and first started) later.
    const commands = config.runcmd.map((c) => c.join(" "));
    const enableBlock = commands.indexOf(`systemctl enable --now ${metadataBlockUnit}`);
    assert.ok(enableBlock >= 0, commands.join("; "));
    assert.ok(commands.indexOf("systemctl daemon-reload") < enableBlock, "systemd must read the new unit first");
    assert.ok(enableBlock < commands.indexOf("systemctl enable --now docker"));
    assert.ok(config.packages.includes("iptables"));
});

test("the block drops routed (container) traffic and non-root local traffic to the metadata address, idempotently", () => {
    const lines = metadataBlockScript().split("\n").filter((l) => l.startsWith("iptables"));
    assert.equal(lines.length, 2, lines.join("\n"));
    const [routed, local] = lines;
    for (const line of lines) {
        assert.match(line, new RegExp(`-d ${metadataAddress.replace(/\./g, "\\.")}/32 .*-j DROP`));
        // Checked (-C) before inserted (-I ... 1): a re-run adds nothing, and the rule comes first.
        assert.match(line, /^iptables -w -t \w+ -C (\w+) (.*) 2>\/dev\/null \|\| iptables -w -t \w+ -I \1 1 \2$/);
    }
    assert.match(routed, /-t raw -C PREROUTING /, "raw PREROUTING comes before Docker's FORWARD chains");
    assert.match(local, /-t filter -C OUTPUT .*-m owner ! --uid-owner 0 /, "root (cloud-init) keeps access");
});

test("every file cloud-init writes is root-owned, world-readable, and only the block script executable", () => {
    assert.deepEqual(parsed().write_files.map((f) => [f.path, f.owner, f.permissions]), [
        [sshHardeningPath, "root:root", "0644"],
        [autoUpgradesPath, "root:root", "0644"],
        [dockerDaemonPath, "root:root", "0644"],
        [metadataBlockScriptPath, "root:root", "0755"],
        [metadataBlockUnitPath, "root:root", "0644"],
        [dockerMetadataDropInPath, "root:root", "0644"],
    ]);
});

test("the written files are exactly the sshd drop-in, the daemon.json and the block's script and unit, each ending in a newline", () => {
    const config = parsed({ sshPort: 2222 });
    assert.equal(file(config, sshHardeningPath), "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPort 2222\n");
    assert.equal(file(config, dockerDaemonPath), `${JSON.stringify({ "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" }, "live-restore": true }, null, 2)}\n`);
    assert.equal(file(config, metadataBlockUnitPath), [
        "[Unit]",
        `Description=Drop traffic from containers and non-root users to the metadata service ${metadataAddress}`,
        "Before=docker.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=${metadataBlockScriptPath}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n"));
    const rule = (match: string) => `${match} -m comment --comment vps-monitoring-metadata-block -j DROP`;
    const raw = rule(`-d ${metadataAddress}/32`);
    const local = rule(`-d ${metadataAddress}/32 -m owner ! --uid-owner 0`);
    assert.equal(metadataBlockScript(), [
        "#!/bin/sh",
        "set -eu",
        `iptables -w -t raw -C PREROUTING ${raw} 2>/dev/null || iptables -w -t raw -I PREROUTING 1 ${raw}`,
        `iptables -w -t filter -C OUTPUT ${local} 2>/dev/null || iptables -w -t filter -I OUTPUT 1 ${local}`,
        "",
    ].join("\n"));
});

test("the first boot reloads systemd, starts the block, then Docker, then restarts sshd through a shell", () => {
    const config = parsed();
    assert.deepEqual(config.runcmd.slice(0, 3), [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", metadataBlockUnit],
        ["systemctl", "enable", "--now", "docker"],
    ]);
    assert.equal(config.runcmd.length, 4);
    const [shell, flag, script] = config.runcmd[3];
    assert.deepEqual([shell, flag], ["sh", "-c"]);
    assert.match(script, /^systemctl daemon-reload; .*systemctl restart ssh$/);
});

test("with a data volume, cloud-init mounts it and Docker waits for the mount; without one, neither", () => {
    const device = volumeDevicePath(42);
    const withVolume = parsed({ dataVolumeDevice: device });
    assert.deepEqual(withVolume.mounts, [[device, dataMountPath, "ext4", "defaults,discard,nofail,x-systemd.device-timeout=300", "0", "2"]]);
    const dropIn = withVolume.write_files.find((f) => f.path === dockerDataVolumeDropInPath);
    assert.deepEqual(dropIn && [dropIn.owner, dropIn.permissions, dropIn.content], ["root:root", "0644", dockerDataVolumeDropIn]);
    assert.equal(withVolume.write_files.length, 7);
    const without = parsed();
    assert.equal(without.mounts, undefined);
    assert.equal(without.write_files.length, 6);
    assert.ok(!without.write_files.some((f) => f.path === dockerDataVolumeDropInPath));
});

test("a host's user data carries the deploy key it is given, and the volume device only when the host has a data volume", () => {
    const config = (raw: Record<string, unknown>) => parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).host;
    const values = { sshPublicKey: key, hostKey, dataVolumeDevice: volumeDevicePath(7) };
    const withVolume = load(hostCloudInit(config({}), values)) as CloudConfig;
    assert.deepEqual(withVolume.users[0].ssh_authorized_keys, [key]);
    assert.ok(config({}).dataVolume, "a new Hetzner server gets a data volume by default");
    assert.equal(withVolume.mounts?.[0][0], volumeDevicePath(7));
    const noVolume = load(hostCloudInit(config({ dataVolume: false }), values)) as CloudConfig;
    assert.equal(noVolume.mounts, undefined);
});

test("npm run render shows a named placeholder for each deploy-time value, and an inline deploy key as it is", () => {
    const hostOf = (raw: Record<string, unknown>) => parseStackConfig("test", raw).host;
    const named = renderPlaceholders(hostOf({ hetznerSshKeyName: "laptop" }));
    assert.equal(named.sshPublicKey, '<public key of the Hetzner SSH key "laptop", read from Hetzner at deploy>');
    assert.deepEqual(named.hostKey, {
        privateKey: "<ed25519 private host key, generated at deploy, a Pulumi secret>",
        publicKey: "<ed25519 public host key, generated at deploy: pulumi stack output knownHosts>",
    });
    assert.equal(named.dataVolumeDevice, volumeDevicePath("<id of the data volume, assigned at deploy>"));
    assert.equal(renderPlaceholders(hostOf({ sshPublicKey: key })).sshPublicKey, key);
});
