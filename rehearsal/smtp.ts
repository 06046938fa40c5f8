// Loopback stand-in for an SMTP smarthost, for Alertmanager's email_configs, on the maintained
// `smtp-server` (the protocol: EHLO, STARTTLS with a self-signed certificate made with the openssl
// CLI, whose PEM doubles as tls_config.ca_file, AUTH PLAIN and LOGIN, DATA) and `mailparser` (the
// headers). Every accepted message is recorded with its envelope, TLS state and credentials; a
// switch answers MAIL FROM with 451 to inject delivery failures. Listens on 127.0.0.1 only.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";

export interface SmtpMessage {
    /** MAIL FROM address (without <>). */
    readonly from: string;
    /** RCPT TO addresses. */
    readonly to: readonly string[];
    /** The DATA payload (headers + body, dot-unstuffed, CRLF line ends, without the final "."). */
    readonly data: string;
    /** Lower-cased header names → value as text (RFC 2047 encoded words decoded; repeats joined with ", "). */
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

/** Header lines of a message by lower-cased name, as text (repeated headers joined). */
async function parseHeaders(raw: Buffer): Promise<Record<string, string>> {
    const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
        const value = line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ").trim();
        headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    // Decoded values for the headers tests read (mailparser decodes RFC 2047 words there).
    if (parsed.subject !== undefined) headers.subject = parsed.subject;
    return headers;
}

/** The credentials a session authenticated with, kept on the session by `onAuth`. */
function sessionAuth(session: SMTPServerSession): Auth | undefined {
    const user: unknown = session.user;
    return typeof user === "object" && user !== null && "mechanism" in user ? user as Auth : undefined;
}

export async function startFakeSmtp(dir: string): Promise<FakeSmtp> {
    const { cert, key, certFile } = await makeCertificate(dir);
    const messages: SmtpMessage[] = [];
    let failing = false;

    const server = new SMTPServer({
        name: "127.0.0.1",
        banner: "ESMTP rehearsal fake",
        key, cert,
        authMethods: ["PLAIN", "LOGIN"],
        // Any credentials are accepted and recorded: the tests check what Alertmanager sent.
        onAuth(auth: SMTPServerAuthentication, _session, callback) {
            const recorded: Auth = { mechanism: auth.method, username: auth.username ?? "", password: auth.password ?? "" };
            callback(null, { user: recorded });
        },
        onMailFrom(_address, _session, callback) {
            if (!failing) return callback();
            callback(Object.assign(new Error("4.3.0 Injected temporary failure"), { responseCode: 451 }));
        },
        onData(stream, session, callback) {
            // latin1 keeps bytes 1:1 whatever the chunk boundaries; decoded as UTF-8 once complete.
            let latin1 = "";
            stream.on("data", (chunk: Buffer) => { latin1 += chunk.toString("latin1"); });
            stream.on("error", callback);
            stream.on("end", () => {
                const raw = Buffer.from(latin1, "latin1");
                parseHeaders(raw).then((headers) => {
                    const auth = sessionAuth(session);
                    const from = session.envelope.mailFrom;
                    messages.push({
                        from: from === false ? "" : from.address,
                        to: session.envelope.rcptTo.map((r) => r.address),
                        data: raw.toString("utf8"),
                        headers,
                        tls: session.secure,
                        ...(auth ? { auth } : {}),
                        at: Date.now(),
                    });
                    callback();
                }, callback);
            });
        },
        logger: false,
    });
    // A client that breaks off mid-session is not the rehearsal's failure.
    server.on("error", () => undefined);

    await new Promise<void>((resolve, reject) => {
        server.server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.server.address();
    if (address === null || typeof address === "string") throw new Error("fake SMTP: no TCP port");
    return {
        port: address.port,
        smarthost: `127.0.0.1:${address.port}`,
        caFile: certFile,
        messages,
        setFailing: (f) => { failing = f; },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
