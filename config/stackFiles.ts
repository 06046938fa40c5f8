// Reads a stack's configuration the way the Pulumi CLI does (Pulumi.yaml defaults, then
// Pulumi.<stack>.yaml values), for `npm run render` and the tests, which run without the CLI.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { ConfigSource } from "./parse";

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

/**
 * Namespaces whose keys belong to someone else: Pulumi's own (`pulumi:tags`) and those of the
 * provider packages in package.json (`hcloud:token`, `docker:host`, …).
 */
export function providerNamespaces(dir = projectDir): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const names = Object.keys(manifest.dependencies ?? {}).flatMap((dep) => /^@pulumi(?:verse)?\/([a-z0-9-]+)$/.exec(dep)?.[1] ?? []);
    // @pulumi/policy is the policy-pack SDK, not a provider: it has no configuration.
    return [...new Set(["pulumi", ...names])].filter((n) => n !== "policy");
}

/** The project's values by unprefixed key, and every other key as written. */
export function splitProjectKeys(project: string, config: Readonly<Record<string, unknown>>): { values: Record<string, unknown>; outsideKeys: string[] } {
    const prefix = `${project}:`;
    const values: Record<string, unknown> = {};
    const outsideKeys: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value;
        else outsideKeys.push(key);
    }
    return { values, outsideKeys };
}

function stackFileConfig(stack: string, dir: string): Record<string, unknown> {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`No stack file ${path.basename(file)}; create it with \`npm run init -- ${stack}\` (README: Quick start)`);
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return doc.config ?? {};
}

/** Values of Pulumi.<stack>.yaml for this project, by unprefixed key; secure values stay encrypted objects. */
export function stackValues(project: ProjectFile, stack: string, dir = projectDir): Record<string, unknown> {
    return splitProjectKeys(project.name, stackFileConfig(stack, dir)).values;
}

/** Defaults merged with the stack's own values: what `pulumi up --stack <stack>` would see. */
export function stackRawConfig(stack: string, dir = projectDir): Record<string, unknown> {
    const project = readProject(dir);
    return { ...projectDefaults(project), ...stackValues(project, stack, dir) };
}

/** Where Pulumi.<stack>.yaml's values came from, so that keys outside the project's namespace are checked too. */
export function stackConfigSource(stack: string, dir = projectDir): ConfigSource {
    const project = readProject(dir);
    return {
        project: project.name,
        providerNamespaces: providerNamespaces(),
        outsideKeys: splitProjectKeys(project.name, stackFileConfig(stack, dir)).outsideKeys,
    };
}
