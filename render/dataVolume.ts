// The data volume on the host: where Hetzner exposes it, how cloud-init mounts it on a new server
// (before Docker can start), and the script that mounts it on any server (a replacement, or one
// created before the volume) and makes each service's data directory with its owner. Pure text.
import { dataMountPath } from "../model/dataSafety";
import { shellQuote } from "./hostCommands";
import { allServiceSpecs, type ServiceInstance, type ServiceSpec } from "../model/services";
import type { MonitoringConfig } from "../model/stack";

/** Hetzner's stable device name of a volume (linuxDevice of the API), from its id. */
export function volumeDevicePath(volumeId: string | number): string {
    return `/dev/disk/by-id/scsi-0HC_Volume_${volumeId}`;
}

/**
 * fstab options: nofail (a missing volume does not stop the boot, so SSH still comes up to fix
 * it), and systemd waits up to 5 minutes for the device, which a new server gets attached
 * seconds to a minute after its first boot.
 */
export const dataMountOptions = "defaults,discard,nofail,x-systemd.device-timeout=300";

/** Docker starts only with the volume mounted: never on the empty mount point of the root disk. */
export const dockerDataVolumeDropInPath = "/etc/systemd/system/docker.service.d/20-data-volume.conf";
export const dockerDataVolumeDropIn = `[Unit]\nRequiresMountsFor=${dataMountPath}\n`;

/** cloud-init `mounts` entry for the volume at dataMountPath. */
export function dataVolumeMount(device: string): string[] {
    return [device, dataMountPath, "ext4", dataMountOptions, "0", "2"];
}

export interface DataDir {
    /** Directory below dataMountPath. */
    readonly name: string;
    /** Numeric uid (and gid) of the container user that writes it. */
    readonly uid: number;
}

/** Each service's data directory on the volume. */
export function dataDirPath(name: string): string {
    return `${dataMountPath}/${name}`;
}

/** The data directory of one container, on the volume; undefined when the stack keeps data in Docker volumes. */
export function serviceDataDir(m: MonitoringConfig, spec: Pick<ServiceSpec, "dataPath">, instance: ServiceInstance): string | undefined {
    return m.dataDir !== undefined && spec.dataPath !== undefined ? `${m.dataDir}/${instance.names.alias}` : undefined;
}

/** Every service's data directory on the volume, with the uid its container writes as. */
export function serviceDataDirs(m: MonitoringConfig): DataDir[] {
    return allServiceSpecs.filter((spec) => spec.dataPath !== undefined)
        .flatMap((spec) => spec.instances(m).map((instance) => ({ name: instance.names.alias, uid: spec.uid })));
}

/**
 * Runs as root (the caller wraps it in sudo): waits for the device, adds the fstab line when it
 * is missing, mounts, refuses to go on unless dataMountPath really is a mount point (so no
 * service writes its history to the root disk), then creates each data directory with its owner.
 * Idempotent: a second run changes nothing.
 */
export function dataMountScript(device: string, dirs: readonly DataDir[]): string {
    const dev = shellQuote(device);
    const mnt = shellQuote(dataMountPath);
    const fstab = shellQuote(dataVolumeMount(device).join(" "));
    const makeDirs = dirs.map((d) => `install -d -m 0750 -o ${d.uid} -g ${d.uid} ${shellQuote(dataDirPath(d.name))}`);
    return [
        "set -eu",
        `i=0; until [ -b ${dev} ]; do i=$((i + 1)); if [ "$i" -gt 300 ]; then echo "the data volume ${device} is not attached" >&2; exit 1; fi; sleep 1; done`,
        `grep -qs ${shellQuote(` ${dataMountPath} `)} /etc/fstab || printf '%s\\n' ${fstab} >> /etc/fstab`,
        `install -d -m 0755 ${mnt}`,
        `mountpoint -q ${mnt} || mount ${mnt}`,
        `mountpoint -q ${mnt} || { echo "${dataMountPath} is not a mount point: refusing to put the data on the root disk" >&2; exit 1; }`,
        ...makeDirs,
    ].join("\n") + "\n";
}
