// What an HTTP answer may say about a failure: a class word and the store, never the driver's message. Driver
// text names hosts, users (`etc'@'10.213.7.11'`), paths and SQL, and the pipeline's status endpoints and the
// dashboard answer anyone who reaches their port; the raw text goes to the daemon's own log only.
//
// Classes are decided from the error's structure first (Node's `code`, mysql2's ER_* code, kafkajs' `name` and
// protocol `type`, ioredis' reply prefix, thrift's exception name), following `cause`; the message is read only
// for errors rewrapped as text (the HBase client, the sinks) and never leaves this module.

export const ERROR_CLASSES = ['store-unreachable', 'auth-failed', 'timeout', 'bad-data', 'store-error', 'internal'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export const STORES = ['hbase', 'mysql', 'redis', 'kafka'] as const;
export type Store = (typeof STORES)[number];

/** All a remote reader learns about a failure. */
export interface ErrorSummary {
  class: ErrorClass;
  store: Store | null;
}

/** A failure of one store's client, tagged where the caller still knows which store it was talking to. */
export class StoreFailure extends Error {
  constructor(readonly store: Store, cause: unknown) {
    super(`${store}: ${messageOf(cause)}`, { cause });
    this.name = 'StoreFailure';
  }
}

/** The promise's failure as a StoreFailure of `store` (an already tagged one is kept). */
export function inStore<T>(store: Store, p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw hasStore(e) ? e : new StoreFailure(store, e);
  });
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ECONNABORTED', 'EPIPE',
  // mysql2
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  // mysql2: a query's `timeout`; MariaDB's max_statement_time; MySQL's max_execution_time; row locks
  'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'ER_LOCK_WAIT_TIMEOUT',
]);
const AUTH_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED', 'ER_NOT_SUPPORTED_AUTH_MODE', 'ER_PASSWORD_NO_MATCH',
]);
const DATA_CODES = new Set([
  'ER_DUP_ENTRY', 'ER_DATA_TOO_LONG', 'ER_TRUNCATED_WRONG_VALUE', 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_BAD_NULL_ERROR', 'ER_NO_DEFAULT_FOR_FIELD', 'ER_INVALID_CHARACTER_STRING', 'ER_CANNOT_CONVERT_STRING',
]);

/** kafkajs protocol error types (KafkaJSProtocolError.type) that are not "the broker answered with an error". */
function kafkaType(type: string): ErrorClass | null {
  if (/AUTHORIZATION_FAILED$|^SASL_|^ILLEGAL_SASL_STATE$|^UNSUPPORTED_SASL_MECHANISM$/.test(type)) return 'auth-failed';
  if (type === 'REQUEST_TIMED_OUT') return 'timeout';
  if (/^(LEADER_NOT_AVAILABLE|NOT_LEADER_FOR_PARTITION|NOT_LEADER_OR_FOLLOWER|BROKER_NOT_AVAILABLE|COORDINATOR_NOT_AVAILABLE|GROUP_COORDINATOR_NOT_AVAILABLE|NETWORK_EXCEPTION|COORDINATOR_LOAD_IN_PROGRESS)$/.test(type)) return 'store-unreachable';
  if (/^(CORRUPT_MESSAGE|INVALID_RECORD|MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_TIMESTAMP)$/.test(type)) return 'bad-data';
  return null;
}

/** A Redis error reply starts with its kind (NOAUTH, WRONGPASS, LOADING…); ioredis keeps it as the message. */
function redisReply(message: string): ErrorClass {
  const kind = /^[A-Z]+/.exec(message)?.[0] ?? '';
  if (kind === 'NOAUTH' || kind === 'WRONGPASS' || kind === 'NOPERM') return 'auth-failed';
  if (/^ERR (AUTH|Client sent AUTH)|invalid password/i.test(message)) return 'auth-failed';
  if (kind === 'LOADING' || kind === 'MASTERDOWN' || kind === 'CLUSTERDOWN' || kind === 'TRYAGAIN') return 'store-unreachable';
  if (kind === 'WRONGTYPE') return 'bad-data';
  return 'store-error';
}

const UNREACHABLE_NAMES = new Set(['KafkaJSBrokerNotFound', 'KafkaJSConnectionClosedError', 'MaxRetriesPerRequestError']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);
const DATA_NAMES = new Set(['MessageError', 'IllegalArgument', 'TIllegalArgument']);
/** Exceptions a store sends back: it answered, with an error that is none of the classes above. */
const ANSWER_NAMES = new Set(['ReplyError', 'KafkaJSProtocolError', 'IOError', 'TIOError', 'AlreadyExists', 'TApplicationException']);

type Fields = { name?: unknown; code?: unknown; type?: unknown; message?: unknown; sqlState?: unknown };

/** The class one link of the chain shows by its structure, or null. */
function byStructure(e: Fields): ErrorClass | null {
  const code = typeof e.code === 'string' ? e.code : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (AUTH_CODES.has(code)) return 'auth-failed';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (UNREACHABLE_CODES.has(code)) return 'store-unreachable';
  if (DATA_CODES.has(code)) return 'bad-data';
  if (name === 'ReplyError') return redisReply(message);
  if (name === 'KafkaJSSASLAuthenticationError') return 'auth-failed';
  if (TIMEOUT_NAMES.has(name)) return 'timeout';
  if (UNREACHABLE_NAMES.has(name)) return 'store-unreachable';
  // kafkajs: "Connection timeout" and "Connection error: <socket error>" (code kept when the socket gave one).
  if (name === 'KafkaJSConnectionError') return /timeout/i.test(message) ? 'timeout' : 'store-unreachable';
  if (typeof e.type === 'string') {
    const k = kafkaType(e.type);
    if (k) return k;
  }
  if (DATA_NAMES.has(name)) return 'bad-data';
  return null;
}

/** For errors that reached us only as text (rewrapped by a client or sink). */
function byMessage(message: string): ErrorClass | null {
  if (/\b(NOAUTH|WRONGPASS|NOPERM)\b|access denied|authentication (failed|required)|invalid password|not authori[sz]ed/i.test(message)) return 'auth-failed';
  if (/\bETIMEDOUT\b|timed out|\btimeout\b|no answer (with)?in/i.test(message)) return 'timeout';
  if (/\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPIPE)\b|connection (is )?closed|connection lost|not connected|socket hang up|broker not found|isn't writeable/i.test(message)) return 'store-unreachable';
  return null;
}

/** The error, then its causes (and an AggregateError's members), outermost first. */
function chain(e: unknown): Fields[] {
  const out: Fields[] = [];
  const todo: unknown[] = [e];
  while (todo.length && out.length < 16) {
    const x = todo.shift();
    if (!x || typeof x !== 'object') {
      if (typeof x === 'string') out.push({ message: x });
      continue;
    }
    if (out.includes(x as Fields)) continue;
    out.push(x as Fields);
    const c = (x as { cause?: unknown }).cause;
    if (c !== undefined) todo.push(c);
    if (x instanceof AggregateError) todo.push(...x.errors);
  }
  return out;
}

export function classifyError(e: unknown): ErrorClass {
  const links = chain(e);
  for (const l of links) {
    const c = byStructure(l);
    if (c) return c;
  }
  for (const l of links) {
    const c = typeof l.message === 'string' ? byMessage(l.message) : null;
    if (c) return c;
  }
  const answered = links.some((l) => ANSWER_NAMES.has(String(l.name)) || typeof l.sqlState === 'string' || /^ER_/.test(String(l.code)));
  return answered ? 'store-error' : 'internal';
}

function hasStore(e: unknown): boolean {
  return storeOf(e) !== null;
}

/** The store named by the outermost link that names one (StoreFailure, the dashboard's StoreDown). */
export function storeOf(e: unknown): Store | null {
  for (const l of chain(e)) {
    const s = (l as { store?: unknown }).store;
    if (typeof s === 'string' && (STORES as readonly string[]).includes(s)) return s as Store;
  }
  return null;
}

export function summarize(e: unknown): ErrorSummary {
  return { class: classifyError(e), store: storeOf(e) };
}

/** "redis store-unreachable", "internal": how a summary reads in a status line. */
export function formatSummary(s: ErrorSummary): string {
  return s.store ? `${s.store} ${s.class}` : s.class;
}
