// Entry point of the policy pack: `pulumi preview --policy-pack policy` runs this file.
// Constructing a PolicyPack starts the analyzer's gRPC server, so tests never import this module;
// they import ./policies instead.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("vps-monitoring-guardrails", { policies });
