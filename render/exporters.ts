// Command lines and files of the exporters.
import { containerPaths, containerPorts, containerUids } from "../model/catalog";
import { RedisTarget } from "../model/stack";
import { hostDirs, RenderedFile, secretsDir } from "./files";

/** Host paths node-exporter reads, mounted read-only below /host. */
export const nodeExporterHostMounts = [
    { hostPath: "/proc", containerPath: "/host/proc" },
    { hostPath: "/sys", containerPath: "/host/sys" },
    { hostPath: "/", containerPath: "/host/root" },
] as const;

/** node-exporter shares the host network (real interface metrics) but listens only on `listenAddress`. */
export function nodeExporterCommand(listenAddress: string, textfileDirectory?: string): string[] {
    return [
        "--path.procfs=/host/proc",
        "--path.sysfs=/host/sys",
        "--path.rootfs=/host/root",
        `--web.listen-address=${listenAddress}:${containerPorts.nodeExporter}`,
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)",
        // The backup job's metrics (render/backup.ts).
        ...(textfileDirectory === undefined ? [] : [`--collector.textfile.directory=${textfileDirectory}`]),
    ];
}

/** Files of one Redis exporter: the password map the exporter reads with --redis.password-file. */
export function renderRedisExporter(target: RedisTarget): RenderedFile[] {
    if (target.password === undefined) return [];
    return [{
        path: `${hostDirs.redisExporter}/${target.name}/${secretsDir}/password.json`,
        content: JSON.stringify({ [`redis://${target.address}`]: target.password }),
        secret: true,
        owner: containerUids.redisExporter,
    }];
}

export function redisExporterCommand(target: RedisTarget): string[] {
    const args = [`--redis.addr=redis://${target.address}`, `--web.listen-address=:${containerPorts.redisExporter}`];
    if (target.password !== undefined) args.push(`--redis.password-file=${containerPaths.redisExporterSecretsDir}/password.json`);
    return args;
}
