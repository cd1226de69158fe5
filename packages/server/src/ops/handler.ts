import type { Op, RequestData, ResultData } from '@warbler/protocol';
import type { Session } from '../session/session.js';

/** Handles one op: gets the validated `data`, returns the result or throws a WarblerError. */
export type Handler<O extends Op> = (s: Session, data: RequestData<O>) => Promise<ResultData<O>>;
export type Handlers<O extends Op> = { [K in O]: Handler<K> };
