// npm run render -- <stack> [outDir]: writes every file the stack would deploy, without a cloud
// account or the Pulumi CLI. Secret files are listed, never written.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseStackConfig } from "../config/parse";
import { projectDir, stackConfigSource, stackRawConfig } from "../config/stackFiles";
import { summaryLines } from "../render/summary";
import { hostCloudInit, renderPlaceholders } from "../render/cloudInit";
import { renderStackFiles } from "../render";
import { deployedPath } from "../render/files";
import { fleetSummary } from "../render/fleet";
import { pushHostRules, renderAgentPrometheus, storeRulerRulesPath } from "../render/agent";
import { currentRelease } from "../model/catalog";
import { stackDashboards } from "../config/dashboards";
import { repositoryOrigin } from "../config/program";
import type { RepositoryOrigin } from "../config/runbooks";

/** Where render writes a new server's user data, relative to its output directory. */
export const cloudInitRenderPath = "host/cloud-init.yml";

/**
 * `repository`: where runbookBaseUrl's default comes from (the CLI passes this clone's git
 * remote; the snapshot none, so that its hashes do not depend on the clone).
 */
export function renderStack(stack: string, outDir: string, stackDir = projectDir, repository?: RepositoryOrigin): string[] {
    const config = parseStackConfig(stack, stackRawConfig(stack, stackDir), { withoutSecrets: true, source: stackConfigSource(stack, stackDir), repository });
    const m = config.monitoring;
    const files = renderStackFiles(m, stackDashboards(m.alertThresholds));
    fs.rmSync(outDir, { recursive: true, force: true });
    const written: string[] = [];
    const write = (rel: string, content: string) => {
        const target = path.join(outDir, rel);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
        written.push(rel);
    };
    // One folder stands for configRoot whatever it is (SUMMARY.txt names the real path).
    for (const f of files.filter((x) => !x.secret)) write(`monitoring/${f.path}`, f.content);
    // A push host's agent-mode Prometheus: its files below <configRoot>/agent on that host.
    for (const host of m.hosts.filter((h) => h.push)) {
        for (const f of renderAgentPrometheus(m, host).files.filter((x) => !x.secret)) write(`fleet/${host.name}/${f.path}`, f.content);
    }
    const storeRules = pushHostRules(m);
    if (storeRules !== undefined) write(storeRulerRulesPath, storeRules);
    if (config.host.mode === "hetzner") {
        // The deployed user data, with placeholders where it holds values made at deploy time.
        write(cloudInitRenderPath, hostCloudInit(config.host, renderPlaceholders(config.host)));
    }
    const secrets = files.filter((x) => x.secret).map((x) => `${deployedPath(m.configRoot, x, currentRelease)} (mode 0400, uid ${x.owner})`);
    const address = config.host.sshHost ?? "<server address>";
    write("SUMMARY.txt", [
        `stack ${stack}: host mode ${config.host.mode}, files below ${m.configRoot} on the host`,
        `Prometheus, Alertmanager and Grafana read their files through ${m.configRoot}/<service>/${currentRelease}, swapped in only after their checker accepts them (README: When an update is rejected)`,
        ...summaryLines(config, { user: config.host.sshUser, address, port: config.host.sshPort }),
        "secret files (written by pulumi up from Pulumi secrets, not rendered here):",
        ...secrets.map((s) => `  ${s}`),
        ...fleetSummary(stack, m.configRoot, m.hosts, config.privateNetwork),
        "",
    ].join("\n"));
    return written;
}

if (require.main === module) {
    const [stack, out] = process.argv.slice(2);
    if (!stack) {
        console.error("usage: npm run render -- <stack> [outDir]   (reads Pulumi.yaml and Pulumi.<stack>.yaml)");
        process.exit(2);
    }
    const outDir = path.resolve(out ?? path.join(projectDir, "rendered", stack));
    try {
        const written = renderStack(stack, outDir, projectDir, repositoryOrigin());
        console.log(`wrote ${written.length} files to ${outDir}:`);
        for (const w of written) console.log(`  ${w}`);
    } catch (e) {
        console.error(e instanceof ConfigError || e instanceof Error ? e.message : String(e));
        process.exit(1);
    }
}
