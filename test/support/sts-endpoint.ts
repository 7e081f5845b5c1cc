/**
 * A local STS for tests, speaking the STS Query protocol the AWS SDK uses for AssumeRole: a signed,
 * form-encoded POST (`Action=AssumeRole&Version=2011-06-15&RoleArn=...`) answered with the XML of
 * AssumeRoleResponse (Credentials: AccessKeyId, SecretAccessKey, SessionToken, Expiration) or an
 * ErrorResponse. The real SDK client talks to it through `fromTemporaryCredentials`.
 *
 * Each role gets its own access key, so a partner's assumed role is its own DynamoDB Local "account"
 * (DynamoDB Local without -sharedDb keeps one database per access key and region). Failures, latency
 * and credential lifetimes are injectable per role; the clock is injectable too. Every call is logged.
 *
 * ```ts
 * const sts = await startStsEndpoint({ lifetimeSeconds: 301 });
 * sts.role('arn:aws:iam::111111111111:role/acme', { externalId: 'x-1' });
 * ... partnerAccounts(db, { registry, sts: { endpoint: sts.endpoint } }) ...
 * sts.accessKeyOf('arn:aws:iam::111111111111:role/acme');  // read that "account" raw
 * await sts.stop();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How one role behaves. */
export interface RoleBehaviour {
  /** The external id the role's trust policy requires (a call without it, or with another, is refused). */
  externalId?: string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Credential lifetime in seconds (default: the endpoint's). */
  lifetimeSeconds?: number;
  /**
   * Answer with an error instead: `AccessDenied` (403), `RegionDisabledException` (403),
   * `ServiceUnavailable` (503, which the SDK retries), ... `count` limits how many calls fail.
   */
  fail?: { code: string; status?: number; count?: number };
}

/** One AssumeRole call as received. */
export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly sessionName: string | undefined;
  readonly externalId: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** The access key the request was signed with (from its SigV4 Authorization header). */
  readonly signedBy: string | undefined;
  /** Clock reading when the call arrived (ms). */
  readonly at: number;
  /** Whether credentials were returned. */
  readonly ok: boolean;
  /** The access key issued, when `ok`. */
  readonly accessKeyId: string | undefined;
  /** The expiration issued, when `ok`. */
  readonly expiration: Date | undefined;
}

/** A running local STS. */
export interface StsEndpoint {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Every call, in arrival order. */
  readonly calls: AssumeRoleCall[];
  /** Sets (merges) how a role behaves; unknown roles are assumable with no external id. */
  role(roleArn: string, behaviour?: RoleBehaviour): void;
  /** The access key every credential of `roleArn` carries (its DynamoDB Local "account"). */
  accessKeyOf(roleArn: string): string;
  /** Successful calls for a role. */
  assumed(roleArn: string): number;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/** Options for {@link startStsEndpoint}. */
export interface StsEndpointOptions {
  /** Default credential lifetime, in seconds (default 3600). */
  readonly lifetimeSeconds?: number;
  /** The clock (default `Date.now`): Expiration is issued from it. */
  readonly now?: () => number;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a local STS on a free loopback port. */
export async function startStsEndpoint(options: StsEndpointOptions = {}): Promise<StsEndpoint> {
  const now = options.now ?? Date.now;
  const run = randomBytes(4).toString('hex').toUpperCase();
  const roles = new Map<string, RoleBehaviour>();
  const keys = new Map<string, string>();
  const calls: AssumeRoleCall[] = [];
  const accessKeyOf = (roleArn: string) => {
    let key = keys.get(roleArn);
    if (!key) {
      // ASIA... like real temporary keys; unique per role and per run.
      key = `ASIA${run}${String(keys.size + 1).padStart(4, '0')}`;
      keys.set(roleArn, key);
    }
    return key;
  };

  const answer = (res: ServerResponse, status: number, xml: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomBytes(8).toString('hex') });
    res.end(xml);
  };
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    answer(
      res,
      status,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
    );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = now();
    const body = await readBody(req);
    const form = new URLSearchParams(body);
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return error(res, 400, 'InvalidAction', 'expected a form-encoded POST');
    }
    // The real SDK signs with SigV4 for the sts service; an unsigned request is refused as STS would.
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/[^/]+\/sts\/aws4_request/.exec(req.headers.authorization ?? '');
    if (!auth) return error(res, 403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (form.get('Action') !== 'AssumeRole' || form.get('Version') !== '2011-06-15') {
      return error(res, 400, 'InvalidAction', 'Could not find operation');
    }
    const roleArn = form.get('RoleArn') ?? '';
    const tags: Record<string, string> = {};
    for (let n = 1; form.has(`Tags.member.${n}.Key`); n++) tags[form.get(`Tags.member.${n}.Key`) as string] = form.get(`Tags.member.${n}.Value`) ?? '';
    const durationText = form.get('DurationSeconds');
    const base = {
      roleArn,
      sessionName: form.get('RoleSessionName') ?? undefined,
      externalId: form.get('ExternalId') ?? undefined,
      durationSeconds: durationText === null ? undefined : Number(durationText),
      tags,
      signedBy: auth[1],
      at,
    };
    const behaviour = roles.get(roleArn) ?? {};
    if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    const refuse = (status: number, code: string, message: string) => {
      calls.push({ ...base, ok: false, accessKeyId: undefined, expiration: undefined });
      error(res, status, code, message);
    };
    if (!base.sessionName) return refuse(400, 'ValidationError', 'RoleSessionName is required');
    const fail = behaviour.fail;
    if (fail && (fail.count === undefined || fail.count > 0)) {
      if (fail.count !== undefined) fail.count--;
      return refuse(fail.status ?? 403, fail.code, 'injected failure');
    }
    if (behaviour.externalId !== undefined && base.externalId !== behaviour.externalId) {
      return refuse(403, 'AccessDenied', 'User is not authorized to perform: sts:AssumeRole');
    }
    const accessKeyId = accessKeyOf(roleArn);
    const lifetime = behaviour.lifetimeSeconds ?? options.lifetimeSeconds ?? 3600;
    const expiration = new Date(now() + lifetime * 1000);
    calls.push({ ...base, ok: true, accessKeyId, expiration });
    const name = escapeXml(roleArn.split('/').pop() ?? 'role');
    answer(
      res,
      200,
      `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(48).toString('base64')}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROA${run}:${escapeXml(base.sessionName)}</AssumedRoleId><Arn>arn:aws:sts::000000000000:assumed-role/${name}/${escapeXml(base.sessionName)}</Arn></AssumedRoleUser>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) error(res, 500, 'InternalFailure', String(e));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    role(roleArn, behaviour = {}) {
      roles.set(roleArn, Object.assign(roles.get(roleArn) ?? {}, behaviour));
    },
    accessKeyOf,
    assumed: (roleArn) => calls.filter((c) => c.ok && c.roleArn === roleArn).length,
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
