// Loopback stand-in for an SMTP smarthost, for Alertmanager's email_configs. Speaks enough ESMTP for
// Go's net/smtp client as Alertmanager 0.25 drives it: EHLO/HELO, STARTTLS (self-signed certificate
// made with the openssl CLI; its PEM doubles as tls_config.ca_file), AUTH PLAIN and LOGIN (any
// credentials accepted and recorded), MAIL/RCPT/DATA with dot-unstuffing, RSET, NOOP, QUIT. Every
// accepted message is recorded; a switch answers MAIL FROM with 451 to inject delivery failures.
// Listens on 127.0.0.1 only.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";

export interface SmtpMessage {
    /** MAIL FROM address (without <>). */
    readonly from: string;
    /** RCPT TO addresses. */
    readonly to: readonly string[];
    /** The DATA payload (headers + body, dot-unstuffed, CRLF line ends, without the final "."). */
    readonly data: string;
    /** Lower-cased header names → unfolded value (raw: RFC 2047 encoded words are not decoded; repeats joined with ", "). */
    readonly headers: Readonly<Record<string, string>>;
    /** The session had done STARTTLS before MAIL. */
    readonly tls: boolean;
    readonly auth?: { readonly mechanism: string; readonly username: string; readonly password: string };
    /** Date.now() when the message was accepted. */
    readonly at: number;
}

export interface FakeSmtp {
    readonly port: number;
    /** "127.0.0.1:<port>" */
    readonly smarthost: string;
    /** PEM of the self-signed certificate the server presents (for Alertmanager's tls_config.ca_file). */
    readonly caFile: string;
    readonly messages: readonly SmtpMessage[];
    /** While true, answer every MAIL FROM with a 451 temporary failure (failure injection). */
    setFailing(failing: boolean): void;
    close(): Promise<void>;
}

type Auth = NonNullable<SmtpMessage["auth"]>;

/** What the next line means: a command, a DATA line, or the answer to an AUTH challenge. */
type Mode = "command" | "data" | "auth-plain" | "auth-login-username" | "auth-login-password";

/** Longest line we buffer without a line end (DATA lines included); beyond it the connection is dropped. */
const maxLineBytes = 1024 * 1024;

async function makeCertificate(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
    fs.mkdirSync(dir, { recursive: true });
    const certFile = path.join(dir, "smtp-cert.pem");
    const keyFile = path.join(dir, "smtp-key.pem");
    const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile];
    await new Promise<void>((resolve, reject) => {
        execFile("openssl", args, { timeout: 30_000 }, (error, _stdout, stderr) => {
            if (error) {
                reject(new Error(`fake SMTP: could not make a self-signed certificate with \`openssl ${args.join(" ")}\` `
                    + `(is the openssl CLI installed?): ${error.message}${stderr ? `\n${String(stderr).trim()}` : ""}`));
            } else {
                resolve();
            }
        });
    });
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), certFile };
}

/** `<addr> PARAM=...` or `addr` → addr; undefined when malformed. */
function pathArgument(rest: string): string | undefined {
    const bracketed = /^\s*<([^>]*)>/.exec(rest);
    if (bracketed) return bracketed[1].trim();
    const bare = /^\s*(\S+)/.exec(rest);
    return bare ? bare[1] : undefined;
}

function decodeBase64(text: string): string | undefined {
    const t = text.trim();
    if (t === "=") return "";
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return undefined;
    return Buffer.from(t, "base64").toString("utf8");
}

/** Header block of a message (up to the first empty line), unfolded, names lower-cased. */
function parseHeaders(data: string): Record<string, string> {
    const headers: Record<string, string> = {};
    const lines: string[] = [];
    for (const line of data.split(/\r?\n/)) {
        if (line === "") break;
        if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += line;
        else lines.push(line);
    }
    for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    return headers;
}

export async function startFakeSmtp(dir: string): Promise<FakeSmtp> {
    const { cert, key, certFile } = await makeCertificate(dir);
    const secureContext = tls.createSecureContext({ cert, key });
    const messages: SmtpMessage[] = [];
    const sockets = new Set<net.Socket>();
    let failing = false;

    const server = net.createServer((raw) => {
        sockets.add(raw);
        raw.on("close", () => sockets.delete(raw));
        let socket: net.Socket = raw;
        let buffer = "";
        let mode: Mode = "command";
        let secure = false;
        let greeted = false;
        let auth: Auth | undefined;
        let loginUsername = "";
        let from: string | undefined;
        let to: string[] = [];
        let dataLines: string[] = [];
        let closed = false;

        const reply = (code: number, ...lines: string[]) => {
            if (closed || socket.destroyed) return;
            const text = lines.length === 0 ? [""] : lines;
            socket.write(text.map((l, i) => `${code}${i < text.length - 1 ? "-" : " "}${l}\r\n`).join(""));
        };
        const resetTransaction = () => {
            from = undefined;
            to = [];
            dataLines = [];
        };
        const authenticated = (mechanism: string, username: string, password: string) => {
            auth = { mechanism, username, password };
            mode = "command";
            reply(235, "2.7.0 Authentication successful");
        };
        const plainCredentials = (encoded: string) => {
            const decoded = decodeBase64(encoded);
            const parts = decoded?.split("\0");
            if (parts === undefined || parts.length !== 3) {
                mode = "command";
                reply(501, "5.5.2 Malformed AUTH PLAIN response");
                return;
            }
            authenticated("PLAIN", parts[1], parts[2]);
        };

        const startTls = () => {
            reply(220, "2.0.0 Ready to start TLS");
            // RFC 3207: anything the client pipelined after STARTTLS is discarded, and the session
            // starts over (no HELO, no credentials, no transaction).
            buffer = "";
            greeted = false;
            auth = undefined;
            resetTransaction();
            raw.removeListener("data", onData);
            const secured = new tls.TLSSocket(raw, { isServer: true, secureContext });
            sockets.add(secured);
            secured.on("close", () => sockets.delete(secured));
            secured.on("data", onData);
            secured.on("error", () => secured.destroy());
            socket = secured;
            secure = true;
        };

        const command = (line: string): "stop" | void => {
            const match = /^([A-Za-z]+)(?:\s+(.*))?$/.exec(line);
            const verb = match ? match[1].toUpperCase() : "";
            const arg = match?.[2] ?? "";
            switch (verb) {
                case "EHLO": {
                    greeted = true;
                    resetTransaction();
                    const extensions = ["8BITMIME", "PIPELINING", ...(secure ? [] : ["STARTTLS"]), "AUTH PLAIN LOGIN"];
                    reply(250, `127.0.0.1 greets ${arg || "you"}`, ...extensions);
                    return;
                }
                case "HELO":
                    greeted = true;
                    resetTransaction();
                    reply(250, "127.0.0.1");
                    return;
                case "STARTTLS":
                    if (secure) return reply(503, "5.5.1 TLS already active");
                    if (arg !== "") return reply(501, "5.5.4 STARTTLS takes no parameters");
                    startTls();
                    return "stop";
                case "AUTH": {
                    if (!greeted) return reply(503, "5.5.1 EHLO first");
                    if (auth) return reply(503, "5.5.1 Already authenticated");
                    if (from !== undefined) return reply(503, "5.5.1 AUTH not allowed during a mail transaction");
                    const [mechanism = "", initial] = arg.split(/\s+/);
                    switch (mechanism.toUpperCase()) {
                        case "PLAIN":
                            if (initial === undefined) {
                                mode = "auth-plain";
                                return reply(334);
                            }
                            return plainCredentials(initial);
                        case "LOGIN":
                            if (initial === undefined) {
                                mode = "auth-login-username";
                                return reply(334, Buffer.from("Username:").toString("base64"));
                            }
                            {
                                const username = decodeBase64(initial);
                                if (username === undefined) return reply(501, "5.5.2 Malformed AUTH LOGIN username");
                                loginUsername = username;
                            }
                            mode = "auth-login-password";
                            return reply(334, Buffer.from("Password:").toString("base64"));
                        default:
                            return reply(504, "5.5.4 Unrecognized authentication type");
                    }
                }
                case "MAIL": {
                    if (!greeted) return reply(503, "5.5.1 EHLO first");
                    if (from !== undefined) return reply(503, "5.5.1 Nested MAIL command");
                    const address = /^FROM:/i.test(arg) ? pathArgument(arg.slice(5)) : undefined;
                    if (address === undefined) return reply(501, "5.5.4 Syntax: MAIL FROM:<address>");
                    if (failing) return reply(451, "4.3.0 Injected temporary failure");
                    from = address;
                    return reply(250, "2.1.0 Ok");
                }
                case "RCPT": {
                    if (from === undefined) return reply(503, "5.5.1 MAIL first");
                    const address = /^TO:/i.test(arg) ? pathArgument(arg.slice(3)) : undefined;
                    if (!address) return reply(501, "5.5.4 Syntax: RCPT TO:<address>");
                    to.push(address);
                    return reply(250, "2.1.5 Ok");
                }
                case "DATA":
                    if (from === undefined) return reply(503, "5.5.1 MAIL first");
                    if (to.length === 0) return reply(554, "5.5.1 No valid recipients");
                    mode = "data";
                    dataLines = [];
                    return reply(354, "End data with <CR><LF>.<CR><LF>");
                case "RSET":
                    resetTransaction();
                    return reply(250, "2.0.0 Ok");
                case "NOOP":
                    return reply(250, "2.0.0 Ok");
                case "QUIT":
                    reply(221, "2.0.0 Bye");
                    closed = true;
                    socket.end();
                    return "stop";
                default:
                    return reply(502, "5.5.2 Command not recognized");
            }
        };

        const line = (text: string): "stop" | void => {
            switch (mode) {
                case "data": {
                    if (text !== ".") {
                        dataLines.push(text.startsWith(".") ? text.slice(1) : text);
                        return;
                    }
                    const data = dataLines.map((l) => `${l}\r\n`).join("");
                    messages.push({
                        from: from ?? "", to: [...to], data, headers: parseHeaders(data), tls: secure,
                        ...(auth ? { auth } : {}), at: Date.now(),
                    });
                    mode = "command";
                    resetTransaction();
                    return reply(250, `2.0.0 Ok: queued as ${messages.length}`);
                }
                case "auth-plain":
                    if (text.trim() === "*") {
                        mode = "command";
                        return reply(501, "5.7.0 Authentication cancelled");
                    }
                    return plainCredentials(text);
                case "auth-login-username":
                case "auth-login-password": {
                    if (text.trim() === "*") {
                        mode = "command";
                        return reply(501, "5.7.0 Authentication cancelled");
                    }
                    const decoded = decodeBase64(text);
                    if (decoded === undefined) {
                        mode = "command";
                        return reply(501, "5.5.2 Malformed AUTH LOGIN response");
                    }
                    if (mode === "auth-login-username") {
                        loginUsername = decoded;
                        mode = "auth-login-password";
                        return reply(334, Buffer.from("Password:").toString("base64"));
                    }
                    return authenticated("LOGIN", loginUsername, decoded);
                }
                case "command":
                    return command(text);
            }
        };

        function onData(chunk: Buffer): void {
            // latin1 maps bytes 1:1 to chars, so a multi-byte UTF-8 character split across chunks
            // survives; each complete line is decoded as UTF-8.
            buffer += chunk.toString("latin1");
            let start = 0;
            for (;;) {
                if (closed) return;
                const newline = buffer.indexOf("\n", start);
                if (newline < 0) break;
                const end = newline > start && buffer[newline - 1] === "\r" ? newline - 1 : newline;
                const text = Buffer.from(buffer.slice(start, end), "latin1").toString("utf8");
                start = newline + 1;
                // STARTTLS resets the buffer itself (pipelined plaintext is discarded); QUIT closes.
                if (line(text) === "stop") return;
            }
            buffer = buffer.slice(start);
            if (buffer.length > maxLineBytes) {
                reply(500, "5.5.6 Line too long");
                closed = true;
                socket.destroy();
            }
        }

        raw.on("data", onData);
        raw.on("error", () => raw.destroy());
        reply(220, "127.0.0.1 ESMTP rehearsal fake");
    });

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
        port,
        smarthost: `127.0.0.1:${port}`,
        caFile: certFile,
        messages,
        setFailing: (f) => { failing = f; },
        close: () => new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        }),
    };
}
