/** The part of the Store that keeps groups: see `Store.groups`. Contract tests: test/store-groups.contract.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GroupStore {}
