// The README's quick start and troubleshooting are what the program does: the quick start runs
// from `npm ci` to `pulumi up` through scripts that exist and the secret the template asks for,
// and every message quoted there is the one the program prints.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { projectDir } from "../../config/stackFiles";
import { placeholderProblems, stackTemplateFile } from "../../config/template";
import { readinessScript } from "../../render/hostCommands";

const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");

function section(heading: string): string {
    const start = readme.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `README has a "## ${heading}" section`);
    const end = readme.indexOf("\n## ", start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
}

/** The shell commands of a section's code blocks, comments removed. */
function commands(text: string): string[] {
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n")).map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l !== "");
}

test("the quick start goes from npm ci to pulumi up, through scripts that exist", () => {
    const steps = commands(section("Quick start"));
    const order = ["npm ci", "npm run init -- mystack", "npm run render -- mystack", "pulumi stack init mystack", "pulumi config set --stack mystack --secret", "export HCLOUD_TOKEN=", "pulumi up --stack mystack"];
    let at = -1;
    for (const step of order) {
        const i = steps.findIndex((s, j) => j > at && s.startsWith(step));
        assert.ok(i > at, `"${step}" comes next in the quick start (${steps.join(" | ")})`);
        at = i;
    }
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    for (const s of steps) {
        const script = /^npm run (\S+)/.exec(s)?.[1];
        if (script) assert.ok(scripts.includes(script), `npm run ${script} exists`);
    }
});

test("the secret the quick start sets is the one the template's receiver needs, and the template's header says the same", () => {
    const template = fs.readFileSync(path.join(projectDir, stackTemplateFile), "utf8");
    const secretStep = commands(section("Quick start")).find((s) => s.startsWith("pulumi config set"));
    const secretPath = /--path '([^']+)'/.exec(secretStep ?? "")?.[1];
    assert.equal(secretPath, "receivers[0].botToken");
    assert.ok(template.includes(`--path '${secretPath}'`), "the template's header names the same secret");
    // Without it the program refuses the receiver, naming that very command.
    const receiver = { name: "telegram", type: "telegram", chatId: -1001 };
    assert.throws(() => parseStackConfig("mystack", { sshPublicKey: "ssh-ed25519 AAAA", receivers: [receiver] }),
        (e: ConfigError) => e.problems.some((p) => p.includes(`pulumi config set --secret --path 'receivers[0].botToken'`)));
});

test("the refusal the quick start quotes for an unchanged line is the program's", () => {
    const [problem] = placeholderProblems({ sshPublicKey: "ssh-ed25519 CHANGE-ME" }, "mystack");
    assert.ok(section("Quick start").includes(problem), problem);
});

test("every message the troubleshooting section quotes from the program is printed by it", () => {
    const trouble = section("Troubleshooting a first deploy").replace(/\s+/g, " ");
    const readiness = readinessScript(true);
    assert.ok(readiness.includes("cannot use Docker: install it and add the user to the docker group"));
    assert.ok(trouble.includes("<user> cannot use Docker: install it and add the user to the docker group"));
    assert.ok(readiness.includes("cloud-init failed (exit $rc); see /var/log/cloud-init-output.log"));
    assert.ok(trouble.includes("cloud-init failed (exit 1); see /var/log/cloud-init-output.log"));
    assert.throws(() => parseStackConfig("mystack", { hostMode: "local", grafanaPort: 9090 }), (e: ConfigError) => {
        for (const p of e.problems) assert.ok(trouble.includes(p), `the README quotes: ${p}`);
        return e.problems.length === 1;
    });
    for (const heading of ["SSH key is not in the Hetzner project", "cloud-init is still running", "not in the `docker` group", "A port is already taken", "A receiver rejects its token"]) {
        assert.ok(trouble.includes(heading), heading);
    }
});
