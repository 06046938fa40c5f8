// The first step of a new user: `npm run init -- <stack>` writes Pulumi.<stack>.yaml from the
// annotated template, asks nothing and overwrites nothing; a file whose marked lines are still
// unchanged is refused naming each of them, and once they are filled the program runs (under mocks).
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { projectDefaults, projectDir, readProject, stackValues } from "../../config/stackFiles";
import { changeMarker, templatePlaceholder } from "../../config/template";
import { inTempDir } from "../tempDir";

function npmInit(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    // stdin closed: a prompt would see end of input instead of waiting forever.
    const r = spawnSync("npm", ["run", "-s", "init", "--", ...args], { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What a user types over each marked line, by the line's key (a list item: its list's key). */
const fills: Readonly<Record<string, string>> = {
    "vps-monitoring:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFilledInByTheInitTest you@laptop",
    "vps-monitoring:sshAllowedCidrs": "203.0.113.7/32",
    "vps-monitoring:appNetworks": "shop",
    job: "api",
    targets: "api:8000",
    chatId: "-1001234567890",
};

interface MarkedLine { readonly index: number; readonly key: string; readonly prefix: string; readonly comment: string }

/** Every line the template marks, with the key it sets. */
function markedLines(lines: readonly string[]): MarkedLine[] {
    return lines.flatMap((line, index) => {
        const m = new RegExp(`^(\\s*(?:- )?(?:([\\w:.-]+): )?)(\\S.*?)(\\s+${changeMarker}.*)$`).exec(line);
        if (!m || line.trimStart().startsWith("#")) return [];
        // A list item's key is its list's: the nearest line above that opens one.
        const key = m[2] ?? lines.slice(0, index).reverse().map((l) => /^\s*(?:- )?([\w:.-]+):\s*(#.*)?$/.exec(l)?.[1]).find((k) => k !== undefined) ?? "";
        return [{ index, key, prefix: m[1], comment: m[4] }];
    });
}

test("npm run init writes the stack file from the template, lists the lines to change and never overwrites", () => {
    inTempDir("init", (dir) => {
        const first = npmInit(["trial", "--dir", dir]);
        assert.equal(first.status, 0, first.stderr);
        const file = path.join(dir, "Pulumi.trial.yaml");
        const written = fs.readFileSync(file, "utf8");
        assert.ok(!written.includes("<stack>"), "the stack's name is filled in");
        assert.match(written, /pulumi up --stack trial/);
        const marked = markedLines(written.split("\n"));
        assert.ok(marked.length >= 5);
        for (const m of marked) assert.ok(first.stdout.includes(`line ${m.index + 1}: `), `the output names line ${m.index + 1}`);

        fs.appendFileSync(file, "# my edit\n");
        const again = npmInit(["trial", "--dir", dir]);
        assert.equal(again.status, 1);
        assert.match(again.stderr, /Pulumi\.trial\.yaml already exists; nothing was changed/);
        assert.ok(fs.readFileSync(file, "utf8").endsWith("# my edit\n"), "the user's file is untouched");

        assert.equal(npmInit([]).status, 2, "the stack is required");
        assert.match(npmInit([]).stderr, /usage: npm run init -- <stack>/);
        const badName = npmInit(["../evil", "--dir", dir]);
        assert.equal(badName.status, 1);
        assert.match(badName.stderr, /is not a stack name/);
    });
});

test("a stack file whose marked lines are unchanged is refused, naming every one of them", () => {
    inTempDir("init-pristine", (dir) => {
        assert.equal(npmInit(["pristine", "--dir", dir]).status, 0);
        const lines = fs.readFileSync(path.join(dir, "Pulumi.pristine.yaml"), "utf8").split("\n");
        const project = readProject();
        const raw = { ...projectDefaults(project), ...stackValues(project, "pristine", dir) };
        assert.throws(() => parseStackConfig("pristine", raw, { withoutSecrets: true }), (e: ConfigError) => {
            const placeholders = e.problems.filter((p) => p.includes(`still the template's ${templatePlaceholder}`));
            assert.equal(placeholders.length, markedLines(lines).length, e.message);
            for (const p of placeholders) assert.match(p, /in Pulumi\.pristine\.yaml says$/);
            return true;
        });
    });
});

test("once the marked values are filled, the program runs the stack under mocks", () => {
    inTempDir("init-filled", (dir) => {
        assert.equal(npmInit(["firsthour", "--dir", dir]).status, 0);
        assert.ok(!fs.existsSync(path.join(projectDir, "Pulumi.firsthour.yaml")), "the project has no file of this stack: the harness reads the one in dir");
        const file = path.join(dir, "Pulumi.firsthour.yaml");
        const lines = fs.readFileSync(file, "utf8").split("\n");
        for (const m of markedLines(lines)) {
            const value = fills[m.key];
            assert.ok(value !== undefined, `the template marks a line of ${m.key}, which this test does not fill`);
            lines[m.index] = `${m.prefix}${value}${m.comment}`;
        }
        fs.writeFileSync(file, lines.join("\n"));
        assert.ok(!JSON.stringify(yaml.load(fs.readFileSync(file, "utf8"))).includes(templatePlaceholder), "no value holds the placeholder");

        // The one secret the file's header asks for, as `pulumi config set --secret --path` would add it.
        const secrets = { "receivers[0].botToken": "123456:filled-in" };
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "test", "runStackFile.ts"), "firsthour", dir, JSON.stringify(secrets)],
            { cwd: projectDir, encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 0, r.stderr);
        const run = JSON.parse(r.stdout) as { types: string[]; creates: string[]; outputs: Record<string, unknown> };
        assert.ok(run.types.includes("hcloud:index/server:Server"), "a new Hetzner server");
        assert.ok(run.types.includes("hcloud:index/sshKey:SshKey"), "with the filled-in public key");
        assert.equal(run.types.filter((t) => t === "docker:index/container:Container").length, 4);
        assert.ok(run.creates.some((c) => c.includes("telegram-bot_token")), "the bot token is written as a secret file");
        assert.deepEqual(run.outputs.alertsGoTo, {
            critical: "telegram (telegram)", warning: "telegram (telegram)", info: "nobody (no receiver subscribes to it)", Watchdog: "nowhere (deadMansSwitchUrl is unset)",
        });
    });
});

test("the committed prod and staging stacks say in their first lines that they are worked examples", () => {
    for (const stack of ["prod", "staging"]) {
        const head = fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8").split("\n").slice(0, 3).join("\n");
        assert.match(head, /worked example/i, stack);
        assert.match(head, /npm run init -- <stack>/, `${stack}: says how to start your own`);
    }
});
