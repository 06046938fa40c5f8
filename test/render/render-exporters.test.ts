// The exporters' command lines and the Redis password file: node-exporter must read the host's
// /proc, /sys and / (not the container's), listen only where told; a Redis password travels only
// as a 0400 file, never on the command line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { containerPaths, containerPorts, containerUids } from "../../model/catalog";
import { stackNames } from "../../model/names";
import { nodeExporterCommand, nodeExporterHostMounts, redisExporterCommand, renderRedisExporter } from "../../render/exporters";

function flag(args: readonly string[], name: string): string | undefined {
    return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

test("node-exporter reads the host's proc, sys and root through the read-only mounts", () => {
    const args = nodeExporterCommand("127.0.0.1");
    const mountOf = (hostPath: string) => nodeExporterHostMounts.find((m) => m.hostPath === hostPath)?.containerPath;
    assert.equal(flag(args, "path.procfs"), mountOf("/proc"));
    assert.equal(flag(args, "path.sysfs"), mountOf("/sys"));
    assert.equal(flag(args, "path.rootfs"), mountOf("/"));
    assert.equal(new Set(nodeExporterHostMounts.map((m) => m.containerPath)).size, 3);
});

test("node-exporter listens only on the given address, at its port", () => {
    assert.equal(flag(nodeExporterCommand("127.0.0.1"), "web.listen-address"), `127.0.0.1:${containerPorts.nodeExporter}`);
    assert.equal(flag(nodeExporterCommand("172.17.0.1"), "web.listen-address"), `172.17.0.1:${containerPorts.nodeExporter}`);
});

test("node-exporter's filesystem metrics skip pseudo filesystems and Docker's own mounts, not real disks", () => {
    const exclude = new RegExp(flag(nodeExporterCommand("127.0.0.1"), "collector.filesystem.mount-points-exclude") ?? "(?!)");
    for (const skipped of ["/dev", "/dev/shm", "/proc", "/sys/fs/cgroup", "/run", "/run/user/1000", "/var/lib/docker/overlay2/abc/merged"]) {
        assert.ok(exclude.test(skipped), `${skipped} should be excluded`);
    }
    for (const kept of ["/", "/boot", "/home", "/var", "/var/lib/docker", "/srv/dev", "/mnt/data", "/devices"]) {
        assert.ok(!exclude.test(kept), `${kept} should be kept`);
    }
});

test("each Redis exporter is named after its target and its stack", () => {
    assert.equal(stackNames("prod").redisExporter("cache").container, "monitoring-prod-redis-exporter-cache");
});

test("a Redis target without password has no file and no password flag", () => {
    const target = { name: "main", address: "redis:6379" };
    assert.deepEqual(renderRedisExporter(target), []);
    assert.deepEqual(redisExporterCommand(target), ["--redis.addr=redis://redis:6379", `--web.listen-address=:${containerPorts.redisExporter}`]);
});

test("a Redis password is a secret file owned by the exporter's user, referenced by path on the command line", () => {
    const target = { name: "cache", address: "cache:6380", password: "s3cret" };
    const files = renderRedisExporter(target);
    assert.equal(files.length, 1);
    const [file] = files;
    assert.equal(file.path, "redis-exporter/cache/secrets/password.json");
    assert.equal(file.secret, true);
    assert.equal(file.owner, containerUids.redisExporter);
    assert.deepEqual(JSON.parse(file.content), { "redis://cache:6380": "s3cret" });
    const args = redisExporterCommand(target);
    assert.equal(flag(args, "redis.password-file"), `${containerPaths.redisExporterSecretsDir}/password.json`);
    assert.equal(flag(args, "redis.addr"), "redis://cache:6380");
    assert.ok(!args.some((a) => a.includes("s3cret")), "the password must not appear in the process arguments");
});

test("node-exporter reads the backup's textfile directory only when given one", () => {
    assert.ok(!nodeExporterCommand("127.0.0.1").some((a) => a.startsWith("--collector.textfile")));
    assert.equal(nodeExporterCommand("127.0.0.1").length, 5);
    assert.deepEqual(nodeExporterCommand("127.0.0.1", "/textfile").slice(5), ["--collector.textfile.directory=/textfile"]);
});
