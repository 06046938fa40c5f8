import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "js-yaml";
import {
    autoUpgradesPath, dockerDaemonPath, renderCloudInit, sshHardeningPath, type CloudInitArgs,
} from "../components/render/cloudInit";

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
    write_files: { path: string; content: string; permissions: string }[];
    runcmd: string[][];
}

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests deploy@laptop";
const defaults: CloudInitArgs = { user: "deploy", sshPublicKeys: [key], sshPort: 22 };

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
