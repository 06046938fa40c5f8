// Where the stack's history lives and how it is kept: the Hetzner data volume that outlives the
// server, the restic backups of it, and the facts both need (paths, sizes, the job's metric
// names). Types and pure functions only; config/dataSafety.ts reads the keys.

/** The Hetzner Volume's mount point on the host: fixed, so a replacement server mounts it at the same place. */
export const dataMountPath = "/srv/monitoring-data";

/** Hetzner Cloud volumes are 10 GB to 10 TB. */
export const hetznerVolumeGb = { min: 10, max: 10240 } as const;

/**
 * Space on the data volume that Prometheus' retentionSize leaves to everything else there:
 * Grafana's database and Alertmanager's state (well under 1 GB), the backup job's snapshot while
 * it runs (hard links: blocks cost nothing, only the head written out), and Prometheus'
 * overshoot of retentionSize by up to one compacted block plus its WAL. A fifth of the volume,
 * at least 2 GB.
 */
export function dataVolumeHeadroomGb(volumeGb: number): number {
    return Math.max(2, Math.ceil(volumeGb * 0.2));
}

/** Prometheus' retentionSize on a data volume of `volumeGb` (GB, 10^9 bytes) when the stack sets none. */
export function retentionSizeForVolume(volumeGb: number): string {
    const usableGb = volumeGb - dataVolumeHeadroomGb(volumeGb);
    // Prometheus counts GB in powers of 1024: GiB below the volume's decimal GB keeps the margin.
    const retentionGib = Math.floor((usableGb * 1e9) / 2 ** 30);
    // 0GB would switch the size limit off.
    if (retentionGib < 1) throw new Error(`a ${volumeGb} GB data volume leaves no room for Prometheus`);
    return `${retentionGib}GB`;
}

/** The data volume of a new Hetzner server (hostMode hetzner). */
export interface DataVolumeConfig {
    readonly sizeGb: number;
}

/** restic's retention: how many of the newest daily, weekly and monthly snapshots `forget` keeps. */
export interface BackupRetention {
    readonly daily: number;
    readonly weekly: number;
    readonly monthly: number;
}

export interface BackupConfig {
    /** restic repository: `s3:https://<endpoint>/<bucket>/<path>`, `sftp:…`, `rest:…` or a host path. */
    readonly repository: string;
    /** The repository's password (secret). */
    readonly password: string;
    /** S3 credentials, for an `s3:` repository (the secret key is secret). */
    readonly s3?: { readonly accessKeyId: string; readonly secretAccessKey: string };
    /** Hours between runs. */
    readonly intervalHours: number;
    readonly keep: BackupRetention;
}

/** Whether restic reaches the repository over S3 (and needs the keys file). */
export function isS3Repository(repository: string): boolean {
    return repository.startsWith("s3:");
}

/** The backup job's own metrics, written for node-exporter's textfile collector. */
export const backupMetrics = {
    lastSuccess: "vps_monitoring_backup_last_success_timestamp_seconds",
    lastRun: "vps_monitoring_backup_last_run_timestamp_seconds",
    duration: "vps_monitoring_backup_duration_seconds",
    exitCode: "vps_monitoring_backup_last_exit_code",
} as const;
