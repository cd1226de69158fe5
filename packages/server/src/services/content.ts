import { CONTENT_KINDS, type Location, type Media, type Quote, type RequestData } from '@warbler/protocol';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { MessageRow } from '../store/store.js';

/**
 * A content message being built: its kind and the fields of its stored body, in the order they are
 * stored (`text`, `media`, `location`, `custom`, `mentions`, `mentionAll`, then `replyTo` / `forwarded`,
 * which messaging adds).
 */
export interface Content {
  kind: string;
  fields: Record<string, unknown>;
  /** Distinct user ids mentioned, when any. */
  mentions?: number[];
  mentionAll?: boolean;
}

const MEDIA_KINDS = new Set(['image', 'file', 'audio', 'video']);
const CONTENT = new Set<string>(CONTENT_KINDS);
/** Kinds whose text an edit may replace: text, and the caption of media. */
const EDITABLE = new Set(['text', ...MEDIA_KINDS]);
/** The fields each content kind may carry besides mentions; a field from another kind is `invalid_message`. */
const ALLOWED = new Map<string, readonly string[]>([
  ['text', ['text']],
  ['image', ['text', 'media']],
  ['file', ['text', 'media']],
  ['audio', ['text', 'media']],
  ['video', ['text', 'media']],
  ['location', ['location']],
  // `text` is a plain-text fallback for clients that do not know the custom type.
  ['custom', ['text', 'custom']],
]);
const CONTENT_FIELDS = ['text', 'media', 'location', 'custom'] as const;
const MEDIA_KEYS = ['url', 'attachment', 'name', 'mime', 'size', 'width', 'height', 'duration', 'thumbnail'] as const;
/**
 * Deepest nesting of arrays and objects in `custom` content. JSON parses any depth, but encoding a value
 * (storing it, answering a sync that holds it) recurses: a few thousand levels overflow the stack.
 */
export const MAX_CUSTOM_DEPTH = 32;
/** Longest text a reply's quote copies, in characters (code points). */
export const QUOTE_CHARS = 200;
/** Most different reactions one message may have. */
export const MAX_REACTIONS = 50;

/** True for a kind clients send (text, media, location, custom), as opposed to actions and events. */
export function isContentKind(kind: string): boolean {
  return CONTENT.has(kind);
}

function checkText(text: string, config: Config): void {
  if (text.length > config.limits.maxTextChars)
    throw new WarblerError('text_too_long', `text is longer than ${config.limits.maxTextChars} characters`);
}

/** True when `value` nests arrays and objects more than `max` levels deep; walks without recursion. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function checkSize(field: string, value: unknown, config: Config): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  if (bytes > config.limits.maxContentBytes)
    throw new WarblerError('content_too_large', `data.${field} is ${bytes} bytes encoded, more than ${config.limits.maxContentBytes}`);
}

/**
 * Checks the content fields of a `msg.send` against its kind and the limits, and builds the body to
 * store (known fields only: unknown members of `media` and `location` are dropped). Throws
 * `invalid_message`, `text_too_long`, `content_too_large`. Mentions are checked against the members by
 * messaging, which knows them.
 */
export function buildContent(data: RequestData<'msg.send'>, config: Config): Content {
  const kind = data.kind ?? 'text';
  // The common case first, with nothing else to look at.
  if (
    kind === 'text' &&
    data.media === undefined &&
    data.location === undefined &&
    data.custom === undefined &&
    !data.mentions &&
    !data.mentionAll
  ) {
    if (data.text === undefined) throw new WarblerError('invalid_message', 'data.text: a text message needs text');
    checkText(data.text, config);
    return { kind, fields: { text: data.text } };
  }
  const allowed = ALLOWED.get(kind);
  if (!allowed) throw new WarblerError('invalid_frame', `data.kind: ${kind.slice(0, 16)} is not a content kind`);
  for (const f of CONTENT_FIELDS)
    if (data[f] !== undefined && !allowed.includes(f))
      throw new WarblerError('invalid_message', `data.${f}: not allowed in a ${kind} message`);
  const fields: Record<string, unknown> = {};
  if (data.text !== undefined) {
    checkText(data.text, config);
    fields.text = data.text;
  }
  if (kind === 'text' && data.text === undefined) throw new WarblerError('invalid_message', 'data.text: a text message needs text');
  if (MEDIA_KINDS.has(kind)) fields.media = media(kind, data.media, config);
  if (kind === 'location') {
    if (!data.location) throw new WarblerError('invalid_message', 'data.location: a location message needs a location');
    fields.location = location(data.location);
  }
  if (kind === 'custom') {
    if (data.custom === undefined) throw new WarblerError('invalid_message', 'data.custom: a custom message needs custom content');
    // Before anything encodes it: see MAX_CUSTOM_DEPTH.
    if (deeperThan(data.custom, MAX_CUSTOM_DEPTH))
      throw new WarblerError('content_too_large', `data.custom: nested more than ${MAX_CUSTOM_DEPTH} levels deep`);
    checkSize('custom', data.custom, config);
    fields.custom = data.custom;
  }
  const out: Content = { kind, fields };
  if (data.mentions && data.mentions.length > 0) {
    out.mentions = [...new Set(data.mentions)];
    fields.mentions = out.mentions;
  }
  if (data.mentionAll) {
    out.mentionAll = true;
    fields.mentionAll = true;
  }
  return out;
}

function media(kind: string, m: Media | undefined, config: Config): Media {
  if (!m) throw new WarblerError('invalid_message', `data.media: a message of kind ${kind} needs media`);
  if (m.url === undefined && m.attachment === undefined)
    throw new WarblerError('invalid_message', 'data.media: give a url or an attachment');
  const out: Record<string, unknown> = {};
  for (const k of MEDIA_KEYS) if (m[k] !== undefined) out[k] = m[k];
  checkSize('media', out, config);
  return out as Media;
}

function location(l: Location): Location {
  const out: Location = { lat: l.lat, lon: l.lon };
  if (l.name !== undefined) out.name = l.name;
  if (l.address !== undefined) out.address = l.address;
  return out;
}

/**
 * The message an action (edit, recall, reaction, reply, forward, delete) names: it must exist and be a
 * content message. Throws `message_not_found`, `not_actionable`.
 */
export function actionTarget(row: MessageRow | undefined, seq: number): MessageRow {
  if (!row) throw new WarblerError('message_not_found', `no message ${seq} in this conversation`);
  if (!isContentKind(row.kind)) throw new WarblerError('not_actionable', `message ${seq} is a ${row.kind}, not a content message`);
  return row;
}

/** Like `actionTarget`, and the message must not be recalled: `message_recalled`. */
export function liveTarget(row: MessageRow | undefined, seq: number): MessageRow {
  const t = actionTarget(row, seq);
  if (t.recalledAt !== undefined) throw new WarblerError('message_recalled', `message ${seq} was recalled`);
  return t;
}

/** The stored body of a message as an object. */
export function bodyOf(row: MessageRow): Record<string, unknown> {
  return JSON.parse(row.body) as Record<string, unknown>;
}

/** What a reply shows of `target`: its sequence, sender, kind and the start of its text. */
export function quoteOf(target: MessageRow): Quote {
  const quote: Quote = { seq: target.seq, from: target.senderId, kind: target.kind };
  const text = bodyOf(target).text;
  if (typeof text === 'string') quote.text = text.length <= QUOTE_CHARS ? text : Array.from(text).slice(0, QUOTE_CHARS).join('');
  return quote;
}

/** Checks the new text of an edit of `target`: a text message or a media caption. */
export function checkEdit(target: MessageRow, text: string, config: Config): void {
  if (!EDITABLE.has(target.kind)) throw new WarblerError('not_actionable', `a ${target.kind} message has no text to edit`);
  checkText(text, config);
}

/**
 * Checks a reaction: one emoji-like string without spaces or control characters; adding a new emoji to
 * a message that has `MAX_REACTIONS` different ones already is refused.
 */
export function checkReaction(target: MessageRow, emoji: string, on: boolean): void {
  if (/[\s\p{Cc}]/u.test(emoji)) throw new WarblerError('invalid_message', 'data.emoji: no spaces or control characters');
  if (!on || target.reactions === undefined) return;
  const all = JSON.parse(target.reactions) as Record<string, unknown>;
  // Own keys only: `emoji in all` would find `constructor` or `toString` on every object.
  if (!Object.hasOwn(all, emoji) && Object.keys(all).length >= MAX_REACTIONS)
    throw new WarblerError('invalid_message', `data.emoji: message ${target.seq} has ${MAX_REACTIONS} different reactions already`);
}

/**
 * The content of a forwarded copy of `source`: its content fields (not its mentions or reply), and
 * where it first came from (a copy of a copy keeps the original sender and time).
 */
export function forwardedFields(source: MessageRow): Record<string, unknown> {
  const body = bodyOf(source);
  const fields: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (body[f] !== undefined) fields[f] = body[f];
  fields.forwarded = body.forwarded ?? { from: source.senderId, ts: source.createdAt };
  return fields;
}
