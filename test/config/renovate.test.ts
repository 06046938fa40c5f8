// renovate.json keeps the pinned images and npm packages moving through pull requests: its shape,
// and that every pinned image default in the repository is found by one of its regex managers
// (run here with JavaScript's RegExp, whose syntax these patterns share with Renovate's RE2).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { projectDir, readProject } from "../../config/stackFiles";
import { blackboxExporterDefaults } from "../../model/services";
import { parseStackConfig } from "../../config/parse";

interface RegexManager {
    readonly customType: string;
    readonly managerFilePatterns: readonly string[];
    readonly matchStrings: readonly string[];
    readonly datasourceTemplate?: string;
}

interface RenovateConfig {
    readonly $schema: string;
    readonly enabledManagers: readonly string[];
    readonly customManagers: readonly RegexManager[];
    readonly packageRules: readonly Record<string, unknown>[];
}

const config = JSON.parse(fs.readFileSync(path.join(projectDir, "renovate.json"), "utf8")) as RenovateConfig;

/** managerFilePatterns entries in Renovate's regex form: /…/. */
function filePattern(p: string): RegExp {
    const m = /^\/(.*)\/$/.exec(p);
    assert.ok(m, `${p} is not a /regex/ pattern`);
    return new RegExp(m[1]);
}

/** Files of the repository the managers may read (no node_modules). */
function repositoryFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(projectDir, dir), { withFileTypes: true })) {
            const rel = dir === "" ? e.name : `${dir}/${e.name}`;
            if (["node_modules", ".git", "reports", "rendered"].includes(e.name)) continue;
            if (e.isDirectory()) walk(rel);
            else out.push(rel);
        }
    };
    walk("");
    return out;
}

/** What the managers find: `<depName>:<currentValue>` per file. */
function found(): Map<string, Set<string>> {
    const byFile = new Map<string, Set<string>>();
    for (const file of repositoryFiles()) {
        for (const manager of config.customManagers) {
            if (!manager.managerFilePatterns.some((p) => filePattern(p).test(file))) continue;
            const text = fs.readFileSync(path.join(projectDir, file), "utf8");
            for (const source of manager.matchStrings) {
                for (const m of text.matchAll(new RegExp(source, "g"))) {
                    const deps = byFile.get(file) ?? new Set<string>();
                    deps.add(`${m.groups?.depName}:${m.groups?.currentValue}`);
                    byFile.set(file, deps);
                }
            }
        }
    }
    return byFile;
}

/** Every image reference with a tag written in the files that pin images. */
function pinnedImages(): { file: string; image: string }[] {
    const imageText = /["\s]((?:[a-z0-9][a-z0-9.-]*\/)+[a-z0-9][a-z0-9._-]*):(v?\d[A-Za-z0-9._-]*)["\s]/g;
    return repositoryFiles()
        .filter((f) => /^(Pulumi(\.[^/]+)?\.yaml|config\/[^/]+\.ts|model\/[^/]+\.ts)$/.test(f))
        .flatMap((file) => [...fs.readFileSync(path.join(projectDir, file), "utf8").matchAll(imageText)].map((m) => ({ file, image: `${m[1]}:${m[2]}` })));
}

test("renovate.json: the schema, the npm, GitHub Actions and regex managers, each regex manager well formed", () => {
    assert.equal(config.$schema, "https://docs.renovatebot.com/renovate-schema.json");
    for (const m of ["npm", "github-actions", "custom.regex"]) assert.ok(config.enabledManagers.includes(m), m);
    assert.ok(config.customManagers.length > 0);
    for (const manager of config.customManagers) {
        assert.equal(manager.customType, "regex");
        assert.equal(manager.datasourceTemplate, "docker");
        manager.managerFilePatterns.forEach(filePattern);
        for (const s of manager.matchStrings) {
            assert.match(s, /\(\?<depName>/);
            assert.match(s, /\(\?<currentValue>/);
            assert.doesNotThrow(() => new RegExp(s));
            assert.doesNotMatch(s, /\(\?[=!<][^a-zA-Z]|\\[1-9]/, "RE2 has no lookaround or backreferences");
        }
    }
});

test("every pinned image default is found by a regex manager, in the file that pins it", () => {
    const pinned = pinnedImages();
    // The ones the program falls back to are among them (so the scan itself cannot miss them).
    const defaults = parseStackConfig("renovate", { hetznerSshKeyName: "deploy" }).monitoring;
    for (const image of [defaults.prometheus.image, defaults.alertmanager.image, defaults.grafana.image, defaults.nodeExporter.image, defaults.redisExporter.image, blackboxExporterDefaults.image]) {
        assert.ok(pinned.some((p) => p.image === image), `${image} not seen by the scan`);
    }
    const seen = found();
    const missed = pinned.filter((p) => !(seen.get(p.file)?.has(p.image) ?? false));
    assert.deepEqual(missed, [], "add a customManagers entry for these");
});

test("Pulumi.yaml's image defaults and the parser's fallbacks name the same images (one PR updates both)", () => {
    const project = readProject().config ?? {};
    const defaults = parseStackConfig("renovate", { hetznerSshKeyName: "deploy" }).monitoring;
    const fallbacks: Record<string, string> = {
        prometheusImage: defaults.prometheus.image, alertmanagerImage: defaults.alertmanager.image, grafanaImage: defaults.grafana.image,
        nodeExporterImage: defaults.nodeExporter.image, redisExporterImage: defaults.redisExporter.image,
    };
    for (const [key, image] of Object.entries(fallbacks)) {
        const decl = project[key] as { default?: unknown } | undefined;
        assert.equal(decl?.default, image, key);
    }
});

test("a stack file that pins its own image is found too", () => {
    const manager = config.customManagers.find((m) => m.managerFilePatterns.some((p) => filePattern(p).test("Pulumi.prod.yaml")));
    assert.ok(manager);
    const m = new RegExp(manager.matchStrings[0]).exec("  vps-monitoring:grafanaImage: grafana/grafana:12.2.0\n");
    assert.deepEqual({ ...m?.groups }, { depName: "grafana/grafana", currentValue: "12.2.0" });
});
