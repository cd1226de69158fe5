/** The part of the Store that searches messages: see `Store.search`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SearchStore {}
