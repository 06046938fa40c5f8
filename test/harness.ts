// Runs the real Pulumi program under runtime mocks and records every resource registration with
// the options the engine would see (parent, dependencies, protect, ignoreChanges, import id).
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { projectDir, readProject, stackValues } from "../config/stackFiles";

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Record<string, unknown>;
    /** Input property names whose value was a secret. */
    readonly secretInputs: readonly string[];
    readonly parent: string;
    readonly provider: string;
    readonly dependencies: readonly string[];
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    readonly importId: string;
    readonly deleteBeforeReplace: boolean;
    readonly custom: boolean;
}

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";

function unwrap(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrap);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[sigKey] === secretSig) return unwrap(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}

function containsSecret(value: unknown): boolean {
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        return o[sigKey] === secretSig || Object.values(o).some(containsSecret);
    }
    return false;
}

/** Provider-computed outputs the program reads, by resource type. */
function mockState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "hcloud:index/server:Server":
            return { ...inputs, ipv4Address: "203.0.113.10", ipv6Address: "2001:db8::1", status: "running" };
        case "command:remote:Command":
            return { ...inputs, stdout: "27.5.1", stderr: "" };
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: `sha256:${String(inputs.name)}`, repoDigest: `${String(inputs.name)}@sha256:0` };
        case "tls:index/privateKey:PrivateKey":
            return {
                ...inputs, publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyForTests\n", privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-HOST-KEY\n-----END OPENSSH PRIVATE KEY-----\n",
                privateKeyPem: "-----BEGIN PRIVATE KEY-----\nSECRET-TLS-KEY\n-----END PRIVATE KEY-----\n",
            };
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: "generated-password-for-tests", bcryptHash: "$2a$10$generatedPasswordBcryptHashForTests" };
        // The fleet's TLS material (components/fleet.ts): PEM text the tests can find again.
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { ...inputs, certPem: "-----BEGIN CERTIFICATE-----\nFLEET-CA\n-----END CERTIFICATE-----\n" };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${JSON.stringify(inputs.ipAddresses ?? [])}\n-----END CERTIFICATE REQUEST-----\n` };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nSIGNED ${String(inputs.certRequestPem).split("\n")[1]}\n-----END CERTIFICATE-----\n` };
        default:
            return inputs;
    }
}

export interface ProgramRun {
    readonly resources: Registration[];
    readonly outputs: Record<string, unknown>;
    readonly secretOutputs: readonly string[];
}

/** Stack config as `pulumi config` stores it: strings, JSON for structured values. */
export function asPulumiConfig(project: string, values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${project}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

/**
 * Runs index.ts for `stack` with its Pulumi.<stack>.yaml values plus `overrides` (which stand in
 * for `pulumi config set --secret`). Call once per process: the program is a module.
 */
export async function runProgram(stack: string, overrides: Record<string, unknown>, secretKeys: readonly string[],
    /** The program to run: index.ts unless a test builds its own (a stack no config file describes yet). */
    program: () => Promise<Record<string, unknown>> = () => import("../index")): Promise<ProgramRun> {
    const projectFile = readProject();
    const project = projectFile.name;
    const resources: Registration[] = [];
    // Mocks do not apply Pulumi.yaml defaults: the program applies them itself, so pass only the
    // stack file's values (a stack without a file is configured by `overrides` alone).
    const hasStackFile = fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`));
    const stackOnly = { ...(hasStackFile ? stackValues(projectFile, stack) : {}), ...overrides };
    const runtime = pulumi.runtime as unknown as { setMocks: typeof pulumi.runtime.setMocks };
    await runtime.setMocks({
        newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.inputs) }),
        call: (args) => (args.token === "hcloud:index/getSshKey:getSshKey" ? { id: 42, name: String(args.inputs.name), publicKey: "ssh-ed25519 AAAA" } : args.inputs),
    }, project, stack, false);
    pulumi.runtime.setAllConfig(asPulumiConfig(project, stackOnly), secretKeys.map((k) => `${project}:${k}`));
    // Record what the engine receives, options included.
    const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource(req: RegisterRequest, cb: RegisterCallback): Promise<void> } }).getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req: RegisterRequest, cb: RegisterCallback) => {
        const raw = req.getObject()?.toJavaScript() ?? {};
        const index = resources.push({
            type: req.getType(), name: req.getName(), urn: "", inputs: unwrap(raw) as Record<string, unknown>,
            secretInputs: Object.entries(raw).filter(([, v]) => containsSecret(v)).map(([k]) => k),
            parent: req.getParent(), provider: req.getProvider(), dependencies: req.getDependenciesList(),
            protect: req.getProtect(), ignoreChanges: req.getIgnorechangesList(), importId: req.getImportid(),
            deleteBeforeReplace: req.getDeletebeforereplace(), custom: req.getCustom(),
        });
        // The URN the mock monitor assigns: what other registrations name in parent and dependencies.
        return original(req, (err, response) => {
            if (response) resources[index - 1] = { ...resources[index - 1], urn: response.getUrn() };
            cb(err, response);
        });
    };
    const exports = await program();
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(exports)) {
        if (!pulumi.Output.isInstance(value)) {
            outputs[key] = value;
            continue;
        }
        outputs[key] = await new Promise((resolve) => value.apply(resolve));
        if (await pulumi.isSecret(value)) secretOutputs.push(key);
    }
    await settled(() => resources.length);
    return { resources, outputs, secretOutputs };
}

type RegisterCallback = (err: unknown, response: { getUrn(): string } | undefined) => void;

interface RegisterRequest {
    getType(): string; getName(): string; getParent(): string; getProvider(): string; getCustom(): boolean;
    getDependenciesList(): string[]; getProtect(): boolean; getIgnorechangesList(): string[]; getImportid(): string;
    getDeletebeforereplace(): boolean; getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** Polls until `count` stops growing (registrations are asynchronous), with a deadline. */
async function settled(count: () => number, deadlineMs = 10_000): Promise<void> {
    const start = Date.now();
    let last = -1;
    let stableSince = Date.now();
    while (Date.now() - start < deadlineMs) {
        const now = count();
        if (now !== last) { last = now; stableSince = Date.now(); }
        else if (Date.now() - stableSince > 300) return;
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("resource registrations did not settle");
}

/** The URN the mock monitor gives a resource (parent type chain is not needed for lookups by name). */
export function byType(run: ProgramRun, type: string): Registration[] {
    return run.resources.filter((r) => r.type === type);
}

/** runProgram, and what the program printed with pulumi.log.warn (under mocks there is no engine: it goes to console.warn). */
export async function runProgramWithWarnings(...args: Parameters<typeof runProgram>): Promise<{ readonly run: ProgramRun; readonly warnings: readonly string[] }> {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...parts: unknown[]) => { warnings.push(parts.map(String).join(" ")); };
    try {
        return { run: await runProgram(...args), warnings };
    } finally {
        console.warn = original;
    }
}

/** Every resource input (outside its secret inputs) holding one of `secrets` in plain text, as "<what> in <type> <name>.<input>". */
export function plaintextSecrets(run: ProgramRun, secrets: Readonly<Record<string, string>>): string[] {
    return run.resources.flatMap((r) => Object.entries(r.inputs)
        .filter(([key]) => !r.secretInputs.includes(key))
        .flatMap(([key, value]) => {
            const text = JSON.stringify(value);
            return Object.entries(secrets).filter(([, secret]) => text.includes(secret)).map(([what]) => `${what} in ${r.type} ${r.name}.${key}`);
        }));
}
