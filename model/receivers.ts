// The receiver types: one entry per type holds everything about it, so adding a type is one entry
// here plus its tests. `receiverSpecs` is a mapped type over the `Receiver` union, so a type
// without an entry (or an entry without a part) fails `tsc`. Read by the config parser
// (config.ts), the Alertmanager renderer (render/alertmanager.ts), the check against Debian's
// Alertmanager 0.25 (render/skew.ts) and the rehearsal (rehearsal/harness.ts, rehearsal/fakes.ts).
// Pure: no Pulumi, no I/O.
import type { Severity } from "./stack";
import { z } from "zod";
import { checkedText, flag, optional, optionalText, requiredText, undecryptedSecret, wholeNumber } from "../config/fields";
import { hostPortPattern } from "../render/promql";

/** One address or a comma-separated list, each with a local part and a domain (`Name <a@b>` included). */
const emailAddresses = (v: string): boolean => v.split(",").every((a) => /^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(a.trim()));

interface ReceiverBase {
    readonly name: string;
    readonly severities: readonly Severity[];
}
export type Receiver = ReceiverBase & (
    | { readonly type: "telegram"; readonly chatId: number; readonly botToken: string; readonly apiUrl?: string }
    | { readonly type: "discord"; readonly webhookUrl: string }
    | { readonly type: "slack"; readonly webhookUrl: string; readonly channel?: string }
    | { readonly type: "pagerduty"; readonly routingKey: string; readonly url?: string }
    | { readonly type: "email"; readonly to: string; readonly from: string; readonly smarthost: string;
        readonly authUsername?: string; readonly authPassword?: string; readonly requireTls: boolean }
    | { readonly type: "webhook"; readonly url: string }
    | { readonly type: "opsgenie"; readonly apiKey: string; readonly apiUrl?: string }
);
export type ReceiverType = Receiver["type"];
type ReceiverOf<T extends ReceiverType> = Extract<Receiver, { type: T }>;
/** A receiver's own fields: what its parser returns. */
type OwnFields<T extends ReceiverType> = Omit<ReceiverOf<T>, keyof ReceiverBase | "type">;

type Scalar = string | number | boolean;

/** An Alertmanager notifier block before rendering: the credential goes to a file, referenced by `<secretField>_file`. */
export interface NotifierFields {
    /** Value of the credential, or undefined when this receiver has none. */
    readonly secret: string | undefined;
    /** Every other field, written inline; undefined ones are left out. */
    readonly settings: Readonly<Record<string, Scalar | undefined>>;
}

/** Where the rehearsal's stand-ins listen. */
export interface FakeEndpoints {
    /** http://127.0.0.1:<port> of the HTTP fake (rehearsal/fakes.ts). */
    readonly url: string;
    /** host:port of the fake SMTP server, when one runs. */
    readonly smarthost?: string;
    /** The configured secret, or a stand-in when it is still an undecrypted placeholder. */
    fake(value: string | undefined, what: string): string;
}

/** How the HTTP fake answers this receiver type's requests. */
export interface FakeAnswer {
    readonly status: number;
    readonly body?: unknown;
}

export interface ReceiverSpec<T extends ReceiverType> {
    /** Config field holding the credential that an enabled receiver must have (a Pulumi secret). */
    readonly requiredSecret?: keyof OwnFields<T> & string;
    /** The type's own fields (the credential as `secret`), read and checked by config.ts. */
    readonly fields: { readonly [K in keyof OwnFields<T>]-?: z.ZodType<OwnFields<T>[K], unknown> };
    /** A check across fields: the field it is about and the problem, completing `<key>: …`. */
    check?(x: OwnFields<T>, name: string): readonly [keyof OwnFields<T> & string, string] | undefined;
    readonly alertmanager: {
        /** The notifier list in alertmanager.yml. */
        readonly configsKey: `${string}_configs`;
        /** The credential's field; the renderer writes `<secretField>_file`. */
        readonly secretField: string;
        /**
         * The Alertmanager release that added `<secretField>_file`. Debian's amtool 0.25 rejects
         * newer ones, so render/skew.ts inlines them for its check (tests and rehearsal only).
         */
        readonly secretFileSince: `0.${number}`;
        notifier(r: ReceiverOf<T>): NotifierFields;
    };
    readonly rehearsal: {
        /** The receiver pointed at the fakes (an endpoint field or the smarthost), with stand-in credentials. */
        pointAtFakes(r: ReceiverOf<T>, at: FakeEndpoints): ReceiverOf<T>;
        /**
         * Paths of the HTTP fake where this type's notifications arrive, and the fake's answer;
         * undefined for a type that does not speak HTTP (email goes to the fake SMTP server).
         */
        readonly http?: { readonly path: RegExp; answer(path: string, json: unknown): FakeAnswer };
    };
}

type ReceiverSpecs = { readonly [T in ReceiverType]: ReceiverSpec<T> };

const resolved = { send_resolved: true } as const;
/** A credential: the parser refuses an enabled receiver without it (see `requiredSecret`). */
const secret = optionalText.transform((v) => v ?? undecryptedSecret);

export const receiverSpecs: ReceiverSpecs = {
    telegram: {
        requiredSecret: "botToken",
        fields: {
            botToken: secret,
            chatId: wholeNumber(0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
                .refine((id) => id !== 0, "set the numeric Telegram chat id (for groups it starts with -100)"),
            apiUrl: optionalText,
        },
        alertmanager: {
            configsKey: "telegram_configs", secretField: "bot_token", secretFileSince: "0.26",
            notifier: (x) => ({ secret: x.botToken, settings: { chat_id: x.chatId, api_url: x.apiUrl, ...resolved } }),
        },
        rehearsal: {
            // telebot checks the token's form before sending.
            pointAtFakes: (x, at) => ({ ...x, botToken: at.fake(x.botToken, "token").replace(/[^A-Za-z0-9:_-]/g, "_"), apiUrl: at.url }),
            http: {
                path: /^\/bot[^/]+\/\w+$/,
                answer(path, json) {
                    const chatId = typeof json === "object" && json !== null && "chat_id" in json ? Number(json.chat_id) : 0;
                    const result = path.endsWith("/getMe")
                        ? { id: 1, is_bot: true, first_name: "rehearsal", username: "rehearsal_bot" }
                        : { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "group", title: "rehearsal" }, text: "" };
                    return { status: 200, body: { ok: true, result } };
                },
            },
        },
    },
    discord: {
        requiredSecret: "webhookUrl",
        fields: { webhookUrl: secret },
        alertmanager: {
            configsKey: "discord_configs", secretField: "webhook_url", secretFileSince: "0.27",
            notifier: (x) => ({ secret: x.webhookUrl, settings: resolved }),
        },
        rehearsal: {
            pointAtFakes: (x, at) => ({ ...x, webhookUrl: `${at.url}/discord/${x.name}` }),
            http: { path: /^\/discord\//, answer: () => ({ status: 204 }) },
        },
    },
    slack: {
        requiredSecret: "webhookUrl",
        fields: { webhookUrl: secret, channel: optionalText },
        alertmanager: {
            configsKey: "slack_configs", secretField: "api_url", secretFileSince: "0.22",
            notifier: (x) => ({ secret: x.webhookUrl, settings: { channel: x.channel, ...resolved } }),
        },
        rehearsal: {
            pointAtFakes: (x, at) => ({ ...x, webhookUrl: `${at.url}/slack/${x.name}` }),
            http: { path: /^\/slack\//, answer: () => ({ status: 200, body: "ok" }) },
        },
    },
    pagerduty: {
        requiredSecret: "routingKey",
        fields: { routingKey: secret, url: optionalText },
        alertmanager: {
            configsKey: "pagerduty_configs", secretField: "routing_key", secretFileSince: "0.25",
            notifier: (x) => ({ secret: x.routingKey, settings: { url: x.url, ...resolved } }),
        },
        rehearsal: {
            pointAtFakes: (x, at) => ({ ...x, routingKey: at.fake(x.routingKey, "routing-key"), url: `${at.url}/v2/enqueue` }),
            http: { path: /^\/v2\/enqueue$/, answer: () => ({ status: 202, body: { status: "success", message: "Event processed", dedup_key: "rehearsal" } }) },
        },
    },
    email: {
        fields: {
            // Alertmanager accepts an empty or malformed address and amtool refuses the whole file at deploy
            // ("missing to address", "no global SMTP from set"): refuse it here, naming the key.
            to: requiredText(emailAddresses, "is not an email address, e.g. oncall@example.com (several: comma-separated)"),
            from: requiredText(emailAddresses, "is not an email address, e.g. alertmanager@example.com"),
            smarthost: requiredText((v) => hostPortPattern.test(v), "is not host:port, e.g. smtp.example.com:587"),
            authUsername: optionalText, authPassword: optionalText, requireTls: flag(true),
        },
        check: (x, name) => (x.authUsername && !x.authPassword ? ["authPassword",
            `receiver "${name}" has authUsername but no authPassword; set it with \`pulumi config set --secret --path '{item}.authPassword' <value>\``] : undefined),
        alertmanager: {
            configsKey: "email_configs", secretField: "auth_password", secretFileSince: "0.25",
            notifier: (x) => ({
                secret: x.authPassword,
                settings: { to: x.to, from: x.from, smarthost: x.smarthost, auth_username: x.authUsername, require_tls: x.requireTls, ...resolved },
            }),
        },
        rehearsal: {
            pointAtFakes(x, at) {
                if (at.smarthost === undefined) throw new Error(`receiver ${x.name} sends email but no fake SMTP server runs`);
                return { ...x, smarthost: at.smarthost, authPassword: x.authUsername === undefined ? undefined : at.fake(x.authPassword, "smtp-password") };
            },
        },
    },
    webhook: {
        requiredSecret: "url",
        fields: { url: secret },
        alertmanager: {
            configsKey: "webhook_configs", secretField: "url", secretFileSince: "0.26",
            notifier: (x) => ({ secret: x.url, settings: resolved }),
        },
        rehearsal: {
            pointAtFakes: (x, at) => ({ ...x, url: `${at.url}/webhook/${x.name}` }),
            http: { path: /^\/webhook\//, answer: () => ({ status: 200, body: { ok: true } }) },
        },
    },
    opsgenie: {
        requiredSecret: "apiKey",
        fields: {
            apiKey: secret,
            // Alertmanager appends v2/alerts… to the URL's path.
            apiUrl: optional(checkedText((v) => /^https?:\/\/[^/]+(\/.*)?\/$/.test(v), "is not an http(s) URL ending in /; write it like https://api.eu.opsgenie.com/")),
        },
        alertmanager: {
            // amtool 0.25 accepts api_key_file (checked); Mimir blocked it as new in April 2022, i.e. 0.24.
            configsKey: "opsgenie_configs", secretField: "api_key", secretFileSince: "0.24",
            notifier: (x) => ({ secret: x.apiKey, settings: { api_url: x.apiUrl, ...resolved } }),
        },
        rehearsal: {
            pointAtFakes: (x, at) => ({ ...x, apiKey: at.fake(x.apiKey, "api-key"), apiUrl: `${at.url}/opsgenie/` }),
            http: { path: /^\/opsgenie\/v2\/alerts/, answer: () => ({ status: 202, body: { result: "Request will be processed", took: 0.01, requestId: "rehearsal" } }) },
        },
    },
};

export const receiverTypes = Object.keys(receiverSpecs) as readonly ReceiverType[];

export function isReceiverType(text: string): text is ReceiverType {
    return Object.hasOwn(receiverSpecs, text);
}

/**
 * The spec of `r`'s type, typed for `r`. TypeScript cannot relate a union value to the matching
 * entry of a mapped type, so this one cast stands for what `ReceiverSpecs` guarantees.
 */
export function specOf<T extends ReceiverType>(r: ReceiverOf<T>): ReceiverSpec<T> {
    return receiverSpecs[r.type as T];
}
