// The policy pack on the fleet (Pulumi.fleet-example.yaml under runtime mocks): every policy passes
// on every resource, including each host's agents, and an agent moved to a public or
// all-interfaces address is refused.
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { agentsListenOnPrivateAddressesOnly, policies } from "../../policy/policies";
import { byType, ProgramRun, Registration, runProgram } from "../harness";
import { resourceArgs, types, validate } from "../policyArgs";
import { stackRawConfig } from "../../config/stackFiles";

let run: ProgramRun;
before(async () => {
    const file = stackRawConfig("fleet-example");
    const receivers = (file.receivers as Record<string, unknown>[]).map((r) => ({ ...r, botToken: "123456:TEST-bot-token" }));
    run = await runProgram("fleet-example", { receivers }, ["receivers"]);
});

const argsOf = (r: Registration, props: Record<string, unknown> = r.inputs) =>
    resourceArgs(r.type, r.name, props, { protect: r.protect, ignoreChanges: [...r.ignoreChanges], parent: r.parent || undefined }, "fleet-example");
const agents = () => byType(run, types.container).filter((c) => c.name.startsWith("fleet-"));

test("every policy passes on every resource of the fleet, agents included", async () => {
    assert.equal(agents().length, 4);
    const violations: string[] = [];
    for (const policy of policies) {
        for (const r of run.resources) violations.push(...(await validate(policy, argsOf(r))).violations.map((v) => `${policy.name}: ${v}`));
    }
    assert.deepEqual(violations, []);
});

test("an agent listening on every interface or on a public address, or publishing a port there, is refused", async () => {
    for (const agent of agents()) {
        const command = agent.inputs.command as string[];
        for (const moved of [":9100", "0.0.0.0:9100", "203.0.113.27:9100"]) {
            const tampered = command.map((a) => (a.startsWith("--web.listen-address=") ? `--web.listen-address=${moved}` : a));
            const outcome = await validate(agentsListenOnPrivateAddressesOnly, argsOf(agent, { ...agent.inputs, command: tampered }));
            assert.equal(outcome.violations.length, 1, `${agent.name} on ${moved}: ${outcome.violations.join("; ")}`);
        }
        const published = { ...agent.inputs, networkMode: undefined, ports: [{ internal: 9100, external: 9100, ip: "0.0.0.0" }] };
        assert.equal((await validate(agentsListenOnPrivateAddressesOnly, argsOf(agent, published))).violations.length, 1);
    }
});
