// Reads a stack's configuration the way the Pulumi CLI does (Pulumi.yaml defaults, then
// Pulumi.<stack>.yaml values), for `npm run render` and the tests, which run without the CLI.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const projectDir = path.resolve(__dirname, "..");
/** The committed dashboards (built by `npm run dashboards`), provisioned into Grafana. */
export const dashboardsDir = path.join(projectDir, "dashboards");

interface ProjectFile {
    readonly name: string;
    readonly config?: Record<string, { default?: unknown } | string | number | boolean>;
}

export function readProject(dir = projectDir): ProjectFile {
    return yaml.load(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** Pulumi.yaml defaults, by unprefixed key. */
export function projectDefaults(project: ProjectFile): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const value = typeof decl === "object" && decl !== null ? decl.default : decl;
        if (value !== undefined) defaults[key] = value;
    }
    return defaults;
}

/** Values of Pulumi.<stack>.yaml for this project, by unprefixed key; secure values stay encrypted objects. */
export function stackValues(project: ProjectFile, stack: string, dir = projectDir): Record<string, unknown> {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`No stack file ${path.basename(file)}; create it with \`pulumi stack init ${stack}\``);
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (key.startsWith(`${project.name}:`)) values[key.slice(project.name.length + 1)] = value;
    }
    return values;
}

/** Defaults merged with the stack's own values: what `pulumi up --stack <stack>` would see. */
export function stackRawConfig(stack: string, dir = projectDir): Record<string, unknown> {
    const project = readProject(dir);
    return { ...projectDefaults(project), ...stackValues(project, stack, dir) };
}
