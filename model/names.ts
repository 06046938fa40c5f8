// Every Docker name the stack claims on its host, from one builder: containers, the network,
// data volumes, and the default configuration directory. All derive from the Pulumi stack, so
// two stacks of this program on one host, and a user's own `grafana` container or `monitoring`
// network, never meet. Pure: stack name in, names out.

/** Services with a container of their own (Redis exporters: one per target, see redisExporter). */
export type ServiceKey = "prometheus" | "alertmanager" | "grafana" | "nodeExporter";

/**
 * Short DNS names on the stack's own Docker network. Docker scopes aliases to one network, so two
 * stacks (each on its own network) can both have `prometheus`. Grafana, which sits only on that
 * network, finds its datasources by them.
 */
export const serviceAliases: Readonly<Record<ServiceKey, string>> = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    grafana: "grafana",
    nodeExporter: "node-exporter",
};

/** The names of one service's container. */
export interface ServiceNames {
    /** Container name: unique on the host; Docker resolves it on every network the container joins. */
    readonly container: string;
    /** DNS alias on the stack's own network only (never on the apps' networks). */
    readonly alias: string;
    /** Name of the service's data volume, for those that keep data. */
    readonly volume: string;
}

export interface StackNames {
    /** The stack's own Docker network. */
    readonly network: string;
    readonly prometheus: ServiceNames;
    readonly alertmanager: ServiceNames;
    readonly grafana: ServiceNames;
    readonly nodeExporter: ServiceNames;
    /** Names of any further service, from its alias (a service spec names its own). */
    service(alias: string): ServiceNames;
    redisExporter(targetName: string): ServiceNames;
}

const product = "monitoring";

/** The stack name, checked to be usable in Docker names and as a directory name. */
function checkedStack(stack: string): string {
    // Pulumi stack names are [A-Za-z0-9_.-]; Docker names allow the same. A leading letter or
    // digit also rules out "." and ".." as a directory.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(stack)) throw new Error(`stack name "${stack}" cannot be part of a Docker name or a directory`);
    return stack;
}

/** Prefix of every name on the host: `monitoring-<stack>`. */
export function namePrefix(stack: string): string {
    return `${product}-${checkedStack(stack)}`;
}

function serviceNames(prefix: string, alias: string): ServiceNames {
    return { container: `${prefix}-${alias}`, alias, volume: `${prefix}-${alias}-data` };
}

export function stackNames(stack: string): StackNames {
    const prefix = namePrefix(stack);
    return {
        network: prefix,
        prometheus: serviceNames(prefix, serviceAliases.prometheus),
        alertmanager: serviceNames(prefix, serviceAliases.alertmanager),
        grafana: serviceNames(prefix, serviceAliases.grafana),
        nodeExporter: serviceNames(prefix, serviceAliases.nodeExporter),
        service: (alias) => serviceNames(prefix, alias),
        redisExporter: (targetName) => serviceNames(prefix, `redis-exporter-${targetName}`),
    };
}

/** configRoot when the stack does not set one: a directory per stack. */
export function defaultConfigRoot(stack: string): string {
    return `/opt/${product}/${checkedStack(stack)}`;
}
