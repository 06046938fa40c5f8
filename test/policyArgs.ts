// Policy tests' view of the analyzer: ResourceValidationArgs built as the engine builds them, a
// policy run on them, and assertions on its violations. Shared by test/components/policy*.test.ts.
import * as assert from "node:assert/strict";
import { PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export const types = {
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    volume: "docker:index/volume:Volume",
    firewall: "hcloud:index/firewall:Firewall",
    server: "hcloud:index/server:Server",
} as const;

/** What the engine's args.notApplicable throws; the analyzer records the policy as not applicable. */
class NotApplicable extends Error {}

export interface Outcome {
    readonly applicable: boolean;
    readonly violations: readonly string[];
}

const defaultOpts: PolicyResourceOptions = {
    protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

/** Type token the SDK attaches to resource classes; the engine's isType compares it too. */
const pulumiTypeOf = (resourceClass: object): unknown => (resourceClass as { __pulumiType?: unknown }).__pulumiType;

/** ResourceValidationArgs as the analyzer builds them (server.js), for a resource of `stack`. */
export function resourceArgs(
    type: string, name: string, props: Record<string, unknown>,
    opts: Partial<PolicyResourceOptions> = {}, stack = "prod",
): ResourceValidationArgs {
    const isType = (resourceClass: object) => pulumiTypeOf(resourceClass) === type;
    return {
        type, name, props, opts: { ...defaultOpts, ...opts },
        urn: `urn:pulumi:${stack}::vps-monitoring::${type}::${name}`,
        stackTags: new Map(),
        isType,
        // The engine returns the same props when the type matches; the typed view is the caller's.
        asType: ((resourceClass: object) => (isType(resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>(): T => ({}) as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
}

export async function validate(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<Outcome> {
    const violations: string[] = [];
    const validations = policy.validateResource === undefined ? []
        : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    let applicable = true;
    for (const validation of validations) {
        try {
            await validation(args, (message) => { violations.push(message); });
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
            applicable = false;
        }
    }
    return { applicable, violations };
}

/** Asserts exactly `count` violations, each naming the resource and every `fix` fragment. */
export async function assertViolates(policy: ResourceValidationPolicy, args: ResourceValidationArgs, fixes: readonly RegExp[], count = 1): Promise<void> {
    const { applicable, violations } = await validate(policy, args);
    assert.ok(applicable, `${policy.name} should apply to ${args.type}`);
    assert.equal(violations.length, count, violations.join("\n"));
    for (const v of violations) assert.ok(v.includes(`"${args.name}"`), `violation does not name ${args.name}: ${v}`);
    const all = violations.join("\n");
    for (const fix of fixes) assert.match(all, fix);
}

export async function assertPasses(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<void> {
    const { applicable, violations } = await validate(policy, args);
    assert.ok(applicable, `${policy.name} should apply to ${args.type}`);
    assert.deepEqual(violations, []);
}
