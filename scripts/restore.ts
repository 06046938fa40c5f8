// npm run restore -- <stack> [snapshot]: restores the stack's backup (render/backup.ts) on its host.
// The restore script, rendered from the stack's configuration, goes to `sudo bash -s` over SSH
// (the host's address and key from `pulumi stack output`); it stops Prometheus, Alertmanager and
// Grafana, puts the snapshot's data in place, starts them and checks that Prometheus answers a
// query for the time of the backup. Its secrets are the files the backup job reads on the host:
// nothing secret leaves this machine or needs decrypting here.
import { execFileSync, spawnSync } from "child_process";
import { ConfigError, parseStackConfig } from "../config/parse";
import { stackConfigSource, stackRawConfig } from "../config/stackFiles";
import { renderRestoreScript, restoreInvocation, restorePlan, snapshotPattern } from "../render/backup";
import type { SshTarget } from "../render/access";
import type { StackConfig } from "../model/stack";

interface StackOutputs {
    readonly ipv4?: string;
    readonly ipv6?: string;
    readonly knownHosts?: string;
}

/** The host as the stack's outputs name it (sshHost for hostMode ssh). */
export function sshTarget(config: StackConfig, outputs: StackOutputs): SshTarget {
    const address = outputs.ipv4 || outputs.ipv6 || config.host.sshHost || "";
    if (address === "") throw new Error("the stack has no address yet: run pulumi up first");
    // knownHosts is "<host> <type> <key>".
    const hostKey = outputs.knownHosts ? outputs.knownHosts.split(" ").slice(1).join(" ") : config.host.sshHostKey;
    return { user: config.host.sshUser, address, port: config.host.sshPort, hostKey: hostKey || undefined };
}

function main(): number {
    const [stack, snapshot = "latest"] = process.argv.slice(2);
    if (!stack || !snapshotPattern.test(snapshot)) {
        console.error("usage: npm run restore -- <stack> [snapshot id | latest]");
        return 2;
    }
    const config = parseStackConfig(stack, stackRawConfig(stack), { withoutSecrets: true, source: stackConfigSource(stack) });
    const plan = restorePlan(config.monitoring);
    if (!plan) {
        console.error(`stack ${stack} has no backup: set backupRepository (README: Backups and restore)`);
        return 1;
    }
    const local = config.host.mode === "local";
    const outputs: StackOutputs = local ? {} : JSON.parse(execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8" })) as StackOutputs;
    const { command, args } = restoreInvocation(local ? "local" : sshTarget(config, outputs), snapshot);
    console.error(`restoring ${snapshot} of stack ${stack} (${command} ${args.join(" ")})`);
    const result = spawnSync(command, args, { input: renderRestoreScript(plan), stdio: ["pipe", "inherit", "inherit"] });
    if (result.error) throw result.error;
    return result.status ?? 1;
}

if (require.main === module) {
    try {
        process.exit(main());
    } catch (e) {
        console.error(e instanceof ConfigError || e instanceof Error ? e.message : String(e));
        process.exit(1);
    }
}
