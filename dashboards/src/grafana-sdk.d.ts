// The SDK publishes its entry points only through package.json "exports", which this project's
// moduleResolution ("node") does not read; these aliases point the type checker at the same files.
declare module "@grafana/grafana-foundation-sdk/cog" { export * from "@grafana/grafana-foundation-sdk/dist/cog"; }
declare module "@grafana/grafana-foundation-sdk/common" { export * from "@grafana/grafana-foundation-sdk/dist/common"; }
declare module "@grafana/grafana-foundation-sdk/dashboard" { export * from "@grafana/grafana-foundation-sdk/dist/dashboard"; }
declare module "@grafana/grafana-foundation-sdk/prometheus" { export * from "@grafana/grafana-foundation-sdk/dist/prometheus"; }
declare module "@grafana/grafana-foundation-sdk/stat" { export * from "@grafana/grafana-foundation-sdk/dist/stat"; }
declare module "@grafana/grafana-foundation-sdk/table" { export * from "@grafana/grafana-foundation-sdk/dist/table"; }
declare module "@grafana/grafana-foundation-sdk/timeseries" { export * from "@grafana/grafana-foundation-sdk/dist/timeseries"; }
