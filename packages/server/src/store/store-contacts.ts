/** The part of the Store that keeps friends, friend requests, blocks and profiles: see `Store.contacts`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ContactStore {}
