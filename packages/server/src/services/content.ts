import type { RequestData } from '@warbler/protocol';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';

/** A message's kind and the JSON text of its stored body (an object of its content fields). */
export interface Content {
  kind: string;
  body: string;
}

/**
 * Checks the content fields of a `msg.send` against its kind and the limits, and builds the body to
 * store. Throws `invalid_message`, `text_too_long`, `content_too_large`.
 */
export function buildContent(data: RequestData<'msg.send'>, config: Config): Content {
  const kind = data.kind ?? 'text';
  if (kind !== 'text') throw new WarblerError('invalid_message', `kind ${kind} is not supported yet`);
  if (data.text === undefined) throw new WarblerError('invalid_message', 'data.text: a text message needs text');
  if (data.text.length > config.limits.maxTextChars)
    throw new WarblerError('text_too_long', `text is longer than ${config.limits.maxTextChars} characters`);
  return { kind, body: JSON.stringify({ text: data.text }) };
}
