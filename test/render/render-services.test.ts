// What each service spec renders to for one stack (render/services.ts): mounts, healthchecks, the
// hosts entries of containers on the apps' networks, the swap checks, and which containers run at all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../config/parse";
import { containerPaths } from "../../model/catalog";
import { serviceSpecs } from "../../model/services";
import type { MonitoringConfig } from "../../model/stack";
import { nodeExporterHostMounts } from "../../render/exporters";
import { dockerGateway } from "../../render/prometheus";
import { blackboxCheck } from "../../render/probes";
import { renderedSingle, renderService, serviceHosts, serviceListenHost } from "../../render/services";
import { amtoolCheck, grafanaSteps, type ServiceAccess } from "../../render/swap";

function monitoring(raw: Record<string, unknown> = {}): MonitoringConfig {
    return parseStackConfig("test", { hetznerSshKeyName: "deploy", ...raw }).monitoring;
}
const redis = [{ name: "main", address: "redis:6379" }, { name: "cache", address: "cache:6380", password: "s3cret" }];

test("node-exporter mounts only the host's /proc, /sys and /, plus the backup's textfile directory when backups run", () => {
    const m = monitoring();
    assert.deepEqual(renderedSingle(m, serviceSpecs.nodeExporter).binds, [...nodeExporterHostMounts]);
    const withBackup = monitoring({ backupRepository: "/srv/restic", backupPassword: "pw" });
    assert.deepEqual(renderedSingle(withBackup, serviceSpecs.nodeExporter).binds,
        [...nodeExporterHostMounts, { hostPath: `${withBackup.configRoot}/textfile`, containerPath: "/textfile" }]);
});

test("each Redis exporter watches its own Redis; only one with a password mounts its secrets directory", () => {
    const m = monitoring({ redis });
    const [main, cache] = renderService(m, serviceSpecs.redisExporter);
    assert.deepEqual(main.command, ["--redis.addr=redis://redis:6379", "--web.listen-address=:9121"]);
    assert.equal(cache.command?.[0], "--redis.addr=redis://cache:6380");
    const configBinds = main.binds.filter((b) => !b.hostPath.endsWith("/secrets"));
    assert.deepEqual(main.binds, configBinds, "no password, no secrets mount");
    assert.deepEqual(cache.binds.at(-1), { hostPath: `${m.configRoot}/redis-exporter/cache/secrets`, containerPath: containerPaths.redisExporterSecretsDir });
    assert.equal(cache.binds.length, main.binds.length + 1);
});

test("a Redis exporter instance naming no configured Redis is refused", () => {
    const m = monitoring({ redis });
    const spec = { ...serviceSpecs.redisExporter, instances: () => [{ ...serviceSpecs.redisExporter.instances(m)[0], target: "gone" }] };
    assert.throws(() => renderService(m, spec), /^Error: no redis named gone$/);
});

test("healthchecks ask where the service listens: node-exporter on the Docker gateway, the others on loopback", () => {
    const m = monitoring();
    assert.equal(serviceListenHost(m, serviceSpecs.nodeExporter), dockerGateway(m.dockerSubnet));
    assert.equal(renderedSingle(m, serviceSpecs.nodeExporter).healthcheck, `wget -q -O /dev/null http://${dockerGateway(m.dockerSubnet)}:9100/metrics`);
    assert.equal(serviceListenHost(m, serviceSpecs.alertmanager), "127.0.0.1");
    assert.equal(renderedSingle(m, serviceSpecs.alertmanager).healthcheck, "wget -q -O /dev/null http://127.0.0.1:9093/-/healthy");
});

test("only containers on the apps' networks get host.docker.internal", () => {
    assert.deepEqual(serviceHosts(serviceSpecs.prometheus), [{ host: "host.docker.internal", ip: "host-gateway" }]);
    assert.equal(serviceHosts(serviceSpecs.alertmanager), undefined);
    assert.equal(serviceHosts(serviceSpecs.nodeExporter), undefined);
});

test("swaps check a release with the pinned image's own checker; Grafana has none and follows its own steps", () => {
    const m = monitoring({ probes: [{ name: "gw", kind: "icmp", host: "example.com" }], blackboxExporterImage: "prom/blackbox-exporter:v0.26.0" });
    assert.equal(renderedSingle(m, serviceSpecs.alertmanager).swap?.check, amtoolCheck(m.alertmanager.image, containerPaths.alertmanagerConfigDir));
    assert.equal(renderedSingle(m, serviceSpecs.blackboxExporter).swap?.check, blackboxCheck("prom/blackbox-exporter:v0.26.0"));
    const grafana = renderedSingle(m, serviceSpecs.grafana).swap;
    assert.equal(grafana?.check, "true");
    const access: ServiceAccess = { running: "R", hangUp: "H", restart: "S", get: (p) => `GET ${p}`, state: "T", logs: "L" };
    assert.deepEqual(grafana?.steps(access, "ignored"), grafanaSteps(access));
});

test("no dashboards given means none: Grafana's files are the same as with an empty list", () => {
    const m = monitoring();
    assert.deepEqual(renderService(m, serviceSpecs.grafana).map((s) => s.files), renderService(m, serviceSpecs.grafana, []).map((s) => s.files));
});

test("a service that is off runs no container, whatever its instances say", () => {
    const m = monitoring();
    assert.deepEqual(renderService(m, { ...serviceSpecs.nodeExporter, settings: () => undefined }), []);
});

test("renderedSingle refuses a service that is off and one that runs several containers", () => {
    assert.throws(() => renderedSingle(monitoring(), serviceSpecs.blackboxExporter), /^Error: blackboxExporter is off or runs more than one container$/);
    assert.throws(() => renderedSingle(monitoring({ redis }), serviceSpecs.redisExporter), /^Error: redisExporter is off or runs more than one container$/);
    assert.equal(renderedSingle(monitoring({ redis: [redis[0]] }), serviceSpecs.redisExporter).instance.target, "main");
});
