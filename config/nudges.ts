// Warnings `pulumi up` prints for a configuration that works but leaves a gap the user should
// know about. Pure: the program (index.ts) prints them with pulumi.log.warn.
import { watchdogRepeatInterval } from "../render/alertmanager";
import type { MonitoringConfig } from "../model/stack";

/** Why a stack needs a dead man's switch, and how to set one up: printed while deadMansSwitchUrl is unset. */
export const deadMansSwitchNudge =
    "deadMansSwitchUrl is not set, so nobody will notice when this monitoring stops: every alert is sent from this server, " +
    "and a dead server, Prometheus or Alertmanager sends none. With a dead man's switch the always-firing Watchdog alert " +
    `pings an outside service every ${watchdogRepeatInterval}, and that service alerts you when the pings stop. ` +
    "Create a check (healthchecks.io's free Hobbyist plan: period 1 minute, grace 5 minutes), then " +
    "`pulumi config set --secret deadMansSwitchUrl https://hc-ping.com/<uuid>` and `pulumi up` (README: Dead man's switch).";

/** The warnings for this stack's configuration, in the order to print them. */
export function deployWarnings(m: Pick<MonitoringConfig, "deadMansSwitchUrl">): string[] {
    return m.deadMansSwitchUrl === undefined ? [deadMansSwitchNudge] : [];
}
