// The data volume's mount script (render/dataVolume.ts) run with bash, as root, against a scratch
// fstab and mount point: `mountpoint`, `mount` and `docker` are stand-ins first on PATH, and a
// loop device stands in for the volume. It adds the fstab line once, refuses to go on when the
// volume is not mounted, makes each data directory for its container's user, and copies a stack's
// existing Docker volume into it once, with the container stopped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { dataMountScript, type DataDir } from "../../render/dataVolume";
import { prerequisiteMissing } from "../externalTools";

const device = "/dev/loop0";

/** `moreVolumes`: Docker volumes (name → directory) besides the stack's Prometheus volume. */
function setUp(t: { after(fn: () => void): void }, mountWorks: boolean, moreVolumes: Record<string, string> = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-mount-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const bin = path.join(root, "bin");
    const mount = path.join(root, "srv/monitoring-data");
    const oldVolume = path.join(root, "docker-volumes/prometheus");
    const log = path.join(root, "log");
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(path.join(oldVolume, "01BLOCK"), { recursive: true });
    fs.writeFileSync(path.join(oldVolume, "01BLOCK", "index"), "history from the Docker volume");
    fs.writeFileSync(path.join(root, "fstab"), "UUID=root / ext4 defaults 0 1\n");
    const mounted = path.join(root, "mounted");
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "systemctl $*" >> ${log}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "mountpoint"), `#!/bin/sh\n[ -f ${mounted} ]\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "mount"), `#!/bin/sh\necho "mount $*" >> ${log}\n${mountWorks ? `touch ${mounted}` : "exit 32"}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh
echo "docker $*" >> ${log}
case "$*" in
  "volume inspect -f {{.Mountpoint}} monitoring-prod-prometheus-data") echo ${oldVolume} ;;
${Object.entries(moreVolumes).map(([name, dir]) => `  "volume inspect -f {{.Mountpoint}} ${name}") echo ${dir} ;;\n`).join("")}  "volume inspect"*) exit 1 ;;
esac
`, { mode: 0o755 });
    return { root, bin, mount, oldVolume, log, fstab: path.join(root, "fstab"), dockerDropIn: path.join(root, "docker.service.d/20-data-volume.conf") };
}

const dirs: DataDir[] = [
    { name: "prometheus", uid: 65534, migrateFrom: { volumes: ["monitoring-prod-prometheus-data", "monitoring-prometheus-data"], container: "monitoring-prod-prometheus" } },
    { name: "grafana", uid: 472, migrateFrom: { volumes: ["monitoring-prod-grafana-data", "monitoring-grafana-data"], container: "monitoring-prod-grafana" } },
];

function run(env: ReturnType<typeof setUp>, { volume = device, dataDirs = dirs, fstab = env.fstab }: { volume?: string; dataDirs?: DataDir[]; fstab?: string } = {}) {
    const script = dataMountScript(volume, dataDirs, { fstab, mount: env.mount, dockerDropIn: env.dockerDropIn });
    return spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: `${env.bin}:${process.env.PATH ?? ""}` } });
}

function usable(t: { skip(m?: string): void }): boolean {
    if (process.getuid?.() !== 0 || !fs.existsSync(device)) {
        prerequisiteMissing(t, `needs root and the block device ${device}`);
        return false;
    }
    return true;
}

test("the first run mounts the volume, makes the data directories and moves a stack's Docker volume onto it; a second run changes nothing", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, true);
    const first = run(env);
    assert.equal(first.status, 0, first.stderr);
    const fstab = fs.readFileSync(env.fstab, "utf8");
    assert.equal(fstab, `UUID=root / ext4 defaults 0 1\n${device} ${env.mount} ext4 defaults,discard,nofail,x-systemd.device-timeout=300 0 2\n`);
    assert.equal(fs.statSync(path.join(env.mount, "prometheus")).uid, 65534);
    assert.equal(fs.statSync(path.join(env.mount, "grafana")).uid, 472);
    assert.equal(fs.readFileSync(path.join(env.mount, "prometheus/01BLOCK/index"), "utf8"), "history from the Docker volume");
    assert.equal(fs.statSync(path.join(env.mount, "prometheus/01BLOCK/index")).uid, 65534);
    assert.match(first.stderr, /copied the data of Docker volume monitoring-prod-prometheus-data/);
    const log = fs.readFileSync(env.log, "utf8");
    assert.match(log, /docker stop monitoring-prod-prometheus\n/, "copied with the container stopped");
    assert.doesNotMatch(log, /docker stop monitoring-prod-grafana/, "no volume to copy, nothing stopped");
    assert.equal(fs.readFileSync(env.dockerDropIn, "utf8"), `[Unit]\nRequiresMountsFor=${env.mount}\n`, "Docker waits for the volume at boot");
    assert.match(log, /systemctl daemon-reload/);

    fs.writeFileSync(path.join(env.oldVolume, "01BLOCK", "index"), "written later to the old volume");
    fs.writeFileSync(path.join(env.root, "log"), "");
    const second = run(env);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(fs.readFileSync(env.fstab, "utf8"), fstab, "the fstab line is added once");
    assert.equal(fs.readFileSync(path.join(env.mount, "prometheus/01BLOCK/index"), "utf8"), "history from the Docker volume", "copied once");
    assert.doesNotMatch(fs.readFileSync(env.log, "utf8"), /docker stop|mount |systemctl/);
});

test("when the volume cannot be mounted, nothing is written to the mount point", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, false);
    const r = run(env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${env.mount} is not a mount point: refusing to put the data on the root disk`));
    assert.deepEqual(fs.readdirSync(env.mount), []);
});

test("a data directory with nothing to move onto the volume is made for its container's user, and nothing is stopped", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, true);
    const r = run(env, { dataDirs: [{ name: "victoria-metrics", uid: 1000 }] });
    assert.equal(r.status, 0, r.stderr);
    const stat = fs.statSync(path.join(env.mount, "victoria-metrics"));
    assert.equal(stat.uid, 1000);
    assert.equal(stat.mode & 0o777, 0o750);
    assert.doesNotMatch(fs.readFileSync(env.log, "utf8"), /docker/);
});

test("when the stack's own Docker volume and one from before per-stack names both exist, only the stack's own is moved", (t) => {
    if (!usable(t)) return;
    const older = fs.mkdtempSync(path.join(os.tmpdir(), "data-mount-older-"));
    t.after(() => fs.rmSync(older, { recursive: true, force: true }));
    fs.writeFileSync(path.join(older, "from-the-older-volume"), "");
    const env = setUp(t, true, { "monitoring-prometheus-data": older });
    const r = run(env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(env.mount, "prometheus")), ["01BLOCK"]);
    assert.deepEqual(r.stderr.split("\n").filter((l) => l.startsWith("copied")), [
        `copied the data of Docker volume monitoring-prod-prometheus-data to ${env.mount}/prometheus (the volume itself is kept)`,
    ]);
});

test("when the fstab line cannot be written the script stops before it mounts anything", (t) => {
    if (!usable(t)) return;
    const env = setUp(t, true);
    const fstab = path.join(env.root, "fstab.d");
    fs.mkdirSync(fstab);
    const r = run(env, { fstab });
    assert.notEqual(r.status, 0);
    assert.equal(fs.existsSync(env.mount), false);
    assert.equal(fs.existsSync(env.log) ? fs.readFileSync(env.log, "utf8") : "", "", "no mount, no systemctl, no docker");
});

test("a volume that is not attached within 5 minutes stops the script with what is wrong, before fstab or the mount point", (t) => {
    const env = setUp(t, true);
    // The waiting, without the wait: each second is one call of this sleep.
    fs.writeFileSync(path.join(env.bin, "sleep"), `#!/bin/sh\necho "sleep $*" >> ${env.log}\n`, { mode: 0o755 });
    const missing = "/dev/disk/by-id/scsi-0HC_Volume_0";
    const r = run(env, { volume: missing });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `the data volume ${missing} is not attached\n`);
    const log = fs.readFileSync(env.log, "utf8").trim().split("\n");
    assert.equal(log.length, 300);
    assert.ok(log.every((l) => l === "sleep 1"), log.join("\n"));
    assert.equal(fs.readFileSync(env.fstab, "utf8"), "UUID=root / ext4 defaults 0 1\n");
    assert.equal(fs.existsSync(env.mount), false);
});
