// cloud-init user data for a new server: a non-root deploy user that can use Docker, SSH
// hardened, automatic security updates, and Docker with bounded logs.
import { dump } from "js-yaml";

export interface CloudInitArgs {
    /** Non-root user that deploys over SSH. */
    readonly user: string;
    /** OpenSSH public keys allowed to log in as that user. */
    readonly sshPublicKeys: readonly string[];
    readonly sshPort: number;
}

export const sshHardeningPath = "/etc/ssh/sshd_config.d/10-monitoring-hardening.conf";
export const autoUpgradesPath = "/etc/apt/apt.conf.d/20auto-upgrades";
export const dockerDaemonPath = "/etc/docker/daemon.json";

/** Log rotation for containers that set no log options of their own. */
const dockerDaemonConfig = {
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "3" },
    // Containers keep running while dockerd restarts (package upgrades).
    "live-restore": true,
};

/** sshd drop-in; `10-` sorts before Ubuntu's 50-cloud-init.conf, and sshd keeps the first value it reads. */
function sshHardening(sshPort: number): string {
    const lines = ["PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no"];
    if (sshPort !== 22) lines.push(`Port ${sshPort}`);
    return lines.join("\n") + "\n";
}

const autoUpgrades = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

// Ubuntu 24.04 starts sshd through ssh.socket, whose port comes from a generator that reads
// sshd_config: reload units and restart the socket, where it is in use, before sshd itself.
const restartSsh = "systemctl daemon-reload; " +
    "if systemctl is-enabled --quiet ssh.socket 2>/dev/null; then systemctl restart ssh.socket; fi; " +
    "systemctl restart ssh";

export function renderCloudInit(args: CloudInitArgs): string {
    const config = {
        // The users module runs before packages are installed, so the docker group must exist first.
        groups: ["docker"],
        users: [{
            name: args.user,
            groups: ["docker", "sudo"],
            // The stack writes root-owned secret files with sudo, non-interactively.
            sudo: "ALL=(ALL) NOPASSWD:ALL",
            shell: "/bin/bash",
            lock_passwd: true,
            ssh_authorized_keys: [...args.sshPublicKeys],
        }],
        disable_root: true,
        ssh_pwauth: false,
        package_update: true,
        package_upgrade: true,
        packages: ["docker.io", "unattended-upgrades", "curl"],
        write_files: [
            { path: sshHardeningPath, owner: "root:root", permissions: "0644", content: sshHardening(args.sshPort) },
            { path: autoUpgradesPath, owner: "root:root", permissions: "0644", content: autoUpgrades },
            { path: dockerDaemonPath, owner: "root:root", permissions: "0644", content: JSON.stringify(dockerDaemonConfig, null, 2) + "\n" },
        ],
        runcmd: [
            ["systemctl", "enable", "--now", "docker"],
            ["sh", "-c", restartSsh],
        ],
    };
    return "#cloud-config\n" + dump(config, { lineWidth: -1, noRefs: true });
}
