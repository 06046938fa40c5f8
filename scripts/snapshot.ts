// npm run snapshot: what every committed stack renders, pinned as one SHA-256 per file (the files
// of `npm run render`) and per container (image, command line, environment, healthcheck, mounts,
// from render/services.ts), in test/rendered-snapshot.json. test/render/rendered-snapshot.test.ts fails
// when any of it changes: regenerate only for a deliberate change, and name it in the commit.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../config/parse";
import { projectDir, stackConfigSource, stackRawConfig } from "../config/stackFiles";
import { renderServices } from "../render/services";
import { stackDashboards } from "../config/dashboards";
import { renderStack } from "./render";

export const snapshotFile = path.join(projectDir, "test", "rendered-snapshot.json");

/** The stacks with a committed Pulumi.<stack>.yaml. */
export function committedStacks(dir = projectDir): string[] {
    return fs.readdirSync(dir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export type Snapshot = Record<string, { files: Record<string, string>; containers: Record<string, string> }>;

export function snapshot(): Snapshot {
    const result: Snapshot = {};
    for (const stack of committedStacks()) {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), `snapshot-${stack}-`));
        try {
            const files = Object.fromEntries(renderStack(stack, out).sort().map((rel) => [rel, sha256(fs.readFileSync(path.join(out, rel), "utf8"))]));
            const m = parseStackConfig(stack, stackRawConfig(stack), { withoutSecrets: true, source: stackConfigSource(stack) }).monitoring;
            const containers = Object.fromEntries(renderServices(m, stackDashboards(m.alertThresholds)).map((s) => [s.instance.names.container, sha256(JSON.stringify({
                image: s.settings.image, memoryMb: s.settings.memoryMb, command: s.command, envs: s.envs, healthcheck: s.healthcheck, binds: s.binds,
            }))]));
            result[stack] = { files, containers };
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    }
    return result;
}

if (require.main === module) {
    fs.writeFileSync(snapshotFile, `${JSON.stringify(snapshot(), null, 2)}\n`);
    console.log(`wrote ${path.relative(projectDir, snapshotFile)}`);
}
